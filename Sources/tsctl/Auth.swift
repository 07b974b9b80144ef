import ArgumentParser
import Foundation
import TSAuth

struct Auth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Credentials for tsdbd --auth-enabled (docs/security.md).",
        subcommands: [AuthHash.self])
}

/// Prints a credentials-file line for a secret read from standard input (never from the
/// command line, where `ps` would show it).
struct AuthHash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print 'NAME ROLES HASH' for --auth-file; the secret is the first line of standard input.",
        discussion: "Example: printf '%s\\n' \"$SECRET\" | tsctl auth hash grafana read >> credentials")

    @Argument(help: "The user or token name (no ':').")
    var name: String

    @Argument(help: "Comma list of read, write, admin.")
    var roles: String

    @Option(help: "PBKDF2 iterations.")
    var iterations: Int = PasswordHash.defaultIterations

    func validate() throws {
        guard !name.isEmpty, !name.contains(":"), !name.contains(where: \.isWhitespace) else { throw ValidationError("the name must be non-empty, without ':' or spaces") }
        guard Roles(parsing: Substring(roles)) != nil else { throw ValidationError("roles must be a comma list of read, write, admin") }
        guard iterations >= PasswordHash.minimumIterations else { throw ValidationError("--iterations must be at least \(PasswordHash.minimumIterations)") }
    }

    func run() throws {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            FileHandle.standardError.write(Data("error: empty secret on standard input; refusing\n".utf8))
            throw ExitCode(2)
        }
        print("\(name) \(roles) \(try PasswordHash.make(line, iterations: iterations))")
    }
}
