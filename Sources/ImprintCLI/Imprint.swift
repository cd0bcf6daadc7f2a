import ArgumentParser

/// `imprint`: the command-line face of the library. Every subcommand lives in its own file.
@main
struct ImprintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imprint",
        abstract: "Teach small language models new facts and measure whether they generalize.",
        subcommands: ImprintCommand.registered
    )
}
