import ArgumentParser

@main
struct TSCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsctl",
        abstract: "Command-line tool for tsdbd data directories.",
        subcommands: [Inspect.self, Verify.self, Import.self])
}
