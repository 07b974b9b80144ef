import ArgumentParser

@main
struct TSCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsctl",
        abstract: "Command-line tool for tsdbd: queries over HTTP, and offline tools for data directories.",
        subcommands: [Query.self, Measurements.self, Tags.self, Series.self, Stats.self, Rollup.self, Accounting.self, Auth.self, Inspect.self, Verify.self, Import.self])
}
