import ArgumentParser
import ImprintTensor

/// `imprint`: the command-line face of the library. Every subcommand lives in its own file.
@main
struct ImprintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imprint",
        abstract: "Teach small language models new facts and measure whether they generalize.",
        subcommands: ImprintCommand.registered
    )

    /// Asks for the allocator setting that training and generation run fastest with (the library leaves the
    /// process's allocator alone unless asked; `IMPRINT_SYSTEM_MALLOC=1` keeps glibc's defaults), then runs the command.
    static func main() async {
        MemoryPolicy.reuseLargeAllocations()
        await main(nil)
    }
}
