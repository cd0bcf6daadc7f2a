import ArgumentParser

extension ImprintCommand {
    /// The subcommands, one line each; a new command adds its type here.
    static let registered: [ParsableCommand.Type] = [
        RewardCommand.self,
        LogitsCommand.self,
        GenerateCommand.self,
        ConvertCommand.self,
        TokenizeCommand.self,
        DetokenizeCommand.self,
        ChatTemplateCommand.self,
        SFTCommand.self,
        GRPOCommand.self,
        EvalCommand.self,
        DataGenCommand.self,
        ServeCommand.self,
    ]
}
