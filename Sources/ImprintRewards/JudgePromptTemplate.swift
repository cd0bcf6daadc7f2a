import ImprintCore

/// A judge prompt with placeholders, rendered into one `GenerationPrompt` per sample.
///
/// Placeholders, replaced in one pass (text inside a substituted value is never re-read):
/// `{fact}` (the sample's `fact`), `{question}` (its `question`, else the prompt's text),
/// `{answer}` (the completion) and `{reference}` (its `reference`). Any other brace is literal.
/// The prompt is sent as chat messages: an optional system message, then one user message.
///
/// ```swift
/// let template = JudgePromptTemplate(user: "Fact: {fact}\nQ: {question}\nA: {answer}\nCorrect? yes/no")
/// template.render(fact: "Paris is the capital of France.", question: "Capital of France?",
///                 answer: "Paris", reference: nil)
/// // .messages([.user("Fact: Paris is the capital of France.\nQ: Capital of France?\nA: Paris\nCorrect? yes/no")])
/// ```
public struct JudgePromptTemplate: Sendable, Hashable {
    /// The system message, or `nil` for none.
    public var system: String?
    /// The user message.
    public var user: String

    public init(system: String? = nil, user: String) {
        self.system = system
        self.user = user
    }

    /// A placeholder name and the sample field it reads.
    public enum Placeholder: String, Sendable, CaseIterable {
        case fact, question, answer, reference
    }

    /// The placeholders used by the system or user text.
    public var placeholders: Set<Placeholder> {
        Set(Placeholder.allCases.filter { (system ?? "").contains("{\($0.rawValue)}") || user.contains("{\($0.rawValue)}") })
    }

    /// The chat prompt for one sample; placeholders without a value are replaced by an empty string.
    public func render(fact: String?, question: String?, answer: String, reference: String?) -> GenerationPrompt {
        let values: [Placeholder: String] = [.fact: fact ?? "", .question: question ?? "", .answer: answer,
                                             .reference: reference ?? ""]
        var messages: [ChatMessage] = []
        if let system { messages.append(.system(Self.fill(system, values))) }
        messages.append(.user(Self.fill(user, values)))
        return .messages(messages)
    }

    /// Replaces each `{name}` of a known placeholder, scanning left to right once.
    static func fill(_ text: String, _ values: [Placeholder: String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"),
               let placeholder = Placeholder(rawValue: String(rest[afterOpen..<close])) {
                result += values[placeholder] ?? ""
                rest = rest[rest.index(after: close)...]
            } else {
                result += "{"
                rest = rest[afterOpen...]
            }
        }
        return result + rest
    }
}

extension JudgePromptTemplate {
    /// Seed 003's GRPO judge (`GRPO Scripts/judge_prompt.txt`, MIT, verbatim), with the block the
    /// training script appends: `judge_prompt + f"\nAtomic Fact: {fact}\n\nQuestion: {question}\n\nAnswer: {answer}\n"`.
    /// Sent as one user message; the verdict is a `Final Verdict: 1` or `-1` line. Needs `fact`.
    public static let atomicFactGRPO = JudgePromptTemplate(user: atomicFactGRPOInstructions
        + "\nAtomic Fact: {fact}\n\nQuestion: {question}\n\nAnswer: {answer}\n")

    /// The instructions of `atomicFactGRPO` without the appended sample block.
    public static let atomicFactGRPOInstructions = """
        Please act as an impartial judge and evaluate whether the LLM's response is factually correct based solely on the provided atomic fact.

        Evaluation Scale:
        - Class 1: CORRECT - The LLM's response is factually correct according to the atomic fact provided.
        - Class -1: INCORRECT - The LLM's response is not factually correct according to the atomic fact provided.

        Your evaluation must be based EXCLUSIVELY on the atomic fact. Do not use any external knowledge or information beyond what is explicitly stated in the atomic fact. The atomic fact is the only source of truth for this evaluation.

        IMPORTANT:
        - If the response contains both correct and incorrect information related to the atomic fact, classify it as INCORRECT.
        - If the response addresses matters beyond the scope of the atomic fact, focus only on evaluating the parts relevant to the atomic fact.
        - If the response is partially correct but omits crucial information from the atomic fact that changes the meaning, classify it as INCORRECT.
        - If the information cannot be verified using the atomic fact, classify it as INCORRECT.
        - Ignore any irrelevant information in the response that is not covered by the atomic fact.

        Do not add any information from your end. Only answer based on the provided evaluation criteria. Do not check for anything extra like completeness or style. Ignore any emojies

        CRITICAL CLARIFICATIONS (Key Misclassification Fixes)

        -Additional Information Handling:
            Focus ONLY on whether the atomic fact itself is accurately represented.
            If the response correctly includes the atomic fact AND adds extra information not in the atomic fact, still classify as CORRECT if the atomic fact portion is accurate.
            Only mark INCORRECT if: (a) the atomic fact is misrepresented, OR (b) additional information contradicts the atomic fact.
            Do NOT penalize responses solely for including more details than the atomic fact contains.
            Ignore all emojies

        -Factual Errors:
            ANY factual error related to the atomic fact (wrong date, wrong location, wrong causation) makes the response INCORRECT.
            If the question does not explicitely require the data,location etc and the answer does not contain it its ok not incorrect as long as the answer is correct.
            Example: If atomic fact says "December 8, 2024" but response says "December 8, 2022", this is INCORRECT.

        --NO OUTPUT OR ONLY SYSTEM PROMPT:
            if the model does not give any ANSWER its clearly INCORRECT
            if the model just gives information about it self like "You are Qwen, created by Alibaba Cloud." etc. and nothing about the question that clearly INCORRECT.

        Strictly follow the answer format below:

        Answer Format:

        Class 1 (CORRECT): <reasoning for why the LLM's response accurately reflects the information in the atomic fact>
        Class -1 (INCORRECT): <reasoning for why the LLM's response does not correctly reflect the atomic fact>

        Final Verdict: <assigned class> (1/-1)
        Explanation: Based on the atomic fact provided, explain why the response is assigned to the final class in 2-3 lines.
        """

    /// Seed 003's evaluation judge (`SFT Scripts/judge.py`, sent to gpt-4o-mini): a more lenient
    /// system prompt, and the user input `f"Atomic Fact: {fact}\n\n    Question: {question}\n\n    Response:{answer}\n    "`
    /// verbatim (indentation and the missing space after `Response:` included).
    ///
    /// The system prompt is **reconstructed**: its two class definitions and its rule on extra
    /// details are quoted from judge.py; the surrounding structure and the answer format (which
    /// judge.py shares with the GRPO prompt) follow `atomicFactGRPOInstructions`. Needs `fact`.
    public static let atomicFactEvaluation = JudgePromptTemplate(
        system: """
        Please act as an impartial judge and evaluate whether the LLM's response answers the question correctly based solely on the provided atomic fact.

        Evaluation Scale:
        - Class 1: CORRECT - The LLM's response contains information that is consistent with the atomic fact provided and answers what asked in the question.
        - Class -1: INCORRECT - The LLM's response contradicts or misrepresents the atomic fact provided. Even if factually correct, if the response does not answer the question as asked, classify as INCORRECT.

        Extra details beyond the atomic fact should not affect correctness unless they introduce contradictions.

        Strictly follow the answer format below:

        Answer Format:

        Class 1 (CORRECT): <reasoning for why the LLM's response accurately reflects the information in the atomic fact>
        Class -1 (INCORRECT): <reasoning for why the LLM's response does not correctly reflect the atomic fact>

        Final Verdict: <assigned class> (1/-1)
        Explanation: Based on the atomic fact provided, explain why the response is assigned to the final class in 2-3 lines.
        """,
        user: "Atomic Fact: {fact}\n\n    Question: {question}\n\n    Response:{answer}\n    ")

    /// Seed 000's evaluation judge (`full_eval.py`, sent to Gemini): the expected answer is the
    /// sample's `reference`; the judge answers `yes` or `no` (parse with `VerdictParser.seedYesNo`
    /// to reproduce the seed's strict match, or `.robust`). The lines keep the 8-space indentation
    /// of the seed's f-string. Needs `reference`.
    public static let storyYesNo = JudgePromptTemplate(user: """
                Question: {question}
                Expected Answer: {reference}
                Generated Answer: {answer}

                Does the generated answer correctly answer the question? Answer with just 'yes' or 'no'.
        """)
}
