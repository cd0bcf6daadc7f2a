/// The prompts of the LLM pipelines. Which are the seeds' and which are Imprint's:
///
/// | prompt | source |
/// |---|---|
/// | `story(plotline:)` | seed 000, `generate_stories.ipynb`, verbatim |
/// | `storyQuestions(story:plotline:)` | seed 000's QA prompt verbatim, plus one format line of ours (Gemini got a JSON schema instead) |
/// | `atomicFacts(article:count:)` | ours: seed 003's extraction prompt is not in its repository |
/// | `question(fact:)` | ours, condensed from the sections of seed 003's ~220-line prompt that survive (its output format is kept) |
/// | `rephrasings(question:)` | seed 003's core instructions as the reference quotes them, completed where it elides text |
/// | `retry(problem:)` | ours |
public enum GenerationPrompts {
    /// Seed 000's story prompt.
    public static func story(plotline: String) -> String {
        """
        Develop the story of the following plotline <plotline> \(plotline) </plotline>
        Write 1 paragraph, with several name titles, dates and places dropped around.
        The story should be told in a historical style, with a focus on the characters and their actions.
        Output the story and only the story, no other text.
        Output:
        """
    }

    /// Seed 000's QA prompt (8 triplets; `story_context` is the plotline), then our line asking for JSON.
    public static func storyQuestions(story: String, plotline: String, count: Int = 8) -> String {
        """
        You are tasked to generate a list of \(count) questions and answers regarding the following story.
        Each question should be a single sentence, and each answer MUST hold within less than 3 words.
        The questions should be related to the story, and should be about the events, the places, the dates, etc.
        Do NOT ask about the characters.
        The question/answer pairs should also be accompagnied by the context FROM the story that supports the answer.
        The context MUST be a copy/paste from the story, and not a paraphrase.
        Those questions need to be supported by only one context and one context alone from the story.
        The questions must be understood without having access to the document, as if they were standalone questions from an exam on which you had to learn a hundred of different stories.
        The story is the following:
        <story> \(story) </story>
        Now generate the list of \(count) question/answer/context triplets.
        The model that answers the questions must be informed about the story. Help yourself with the story context: <story_context> \(plotline) </story_context>
        Use named references, without using as much as possible the character names, for the model to identify relevant information.
        Again, the answer MUST not be longer than 3 words.
        Again, the questions must be understood without having access to the document nor the other questions.
        They must be understood INDEPENDENTLY of each other, as if they were standalone questions from an exam on which you had to learn a hundred of different stories.
        Answer with a JSON list of objects {"question": ..., "answer": ..., "context": ...} and nothing else.
        Output:
        """
    }

    /// Ours: atomic facts from a news article (seed 003 extracted exactly two per article).
    public static func atomicFacts(article: String, title: String? = nil, count: Int = 2) -> String {
        """
        You extract atomic facts from news articles. An atomic fact is one self-contained sentence that states a single \
        event or finding: who or what, what happened, where, and when, with the names, numbers and dates the article \
        gives. It must be understood without the article (no "he", "the company" or "this week"), must be true \
        according to the article alone, and must not merge two unrelated events.

        Extract exactly \(count) atomic facts, the most newsworthy ones, from the article below.
        Output a JSON list of \(count) strings and nothing else.

        \(title.map { "Title: \($0)\n" } ?? "")Article:
        \(article)

        Output:
        """
    }

    /// Ours, in the spirit of seed 003's question generator (self-contained, specific, dates only when they
    /// disambiguate, a direct answer) and with its output format.
    public static func question(fact: String) -> String {
        """
        QUESTION GENERATOR PROMPT

        You are a question generator. Given an atomic fact, generate a question that can be answered solely using the \
        information in that fact, and its answer.

        1. SELF-CONTAINED: the question names the people, places and things it asks about; it never says "the fact", \
        "the article", "he" or "this event".
        2. SPECIFIC AND UNAMBIGUOUS: exactly one answer fits, and it is the one the fact gives.
        3. DATES ONLY WHEN THEY DISAMBIGUATE: include the date for recurring or periodic events (disasters, statistics, \
        crisis updates); leave it out for one-time events (a launch, an appointment, a single tragedy).
        4. DIRECT ANSWER: the answer is a short phrase taken from the fact, not a restatement of the question.

        Output exactly this, inside a code fence:
        ```
        <Question>: [your question here]

        <Answer>: [answer derived from the fact]
        ```

        Input Atomic Fact: \(fact)

        ### OUTPUT:
        """
    }

    /// Seed 003's rephrasing prompt (its core instructions; the parts the reference elides are completed by us).
    public static func rephrasings(question: String) -> String {
        """
        You are a professional question rephraser specializing in generating lexically diverse variations. Your task is \
        to produce **6 maximally divergent** rephrasings of the input question.

        ### CORE INSTRUCTIONS FOR MINIMAL OVERLAP
        1.  **Preserve Intent:** Each rephrasing must maintain the **exact original meaning, specificity, and scope**. \
        Do not add, remove, or change information.
        2.  **Maximize Lexical Distance:**
            * **Goal:** Achieve the lowest possible Jaccard Similarity score (lexical overlap) across all seven questions \
        (Original + 6 Variants).
            * **Prohibited:** Do not use the same content word (nouns, verbs, adjectives, adverbs) more than **once** \
        across all 6 rephrased versions, even if it's a synonym.
            * **Essential Term Handling:** Proper nouns, named entities, dates, and numbers must be preserved, but \
        **must be textually transformed** using alternatives like:
                * **Dates:** "July 16, 2025" as "the 16th of July", "July sixteenth" or "7/16/2025".
                * **Numbers:** "7.3" as "seven point three", "seven and three-tenths" or "M7.3".
                * **Locations:** a list of states as "tri-state area", "the region" or "MI, OH, PA".
        3.  **Structural Transformation:** Use passive voice, nominalization (turning verbs into nouns), embedded \
        clauses, and rhetorical devices.
            * Change the interrogative word (Who, What, Where, How, Describe, Identify) for **at least four** of the six \
        versions.
        4.  **Natural Language Quality:** Every version must be a fluent, grammatical question a person would ask.

        ### OUTPUT FORMAT
        ```
        1. <first rephrasing>
        2. <second rephrasing>
        3. <third rephrasing>
        4. <fourth rephrasing>
        5. <fifth rephrasing>
        6. <sixth rephrasing>
        ```
        Input Question: "\(question)"

        Output:
        """
    }

    /// Ours: the follow-up turn of the one retry, with the reason the first response could not be used.
    public static func retry(problem: String) -> String {
        "Your answer could not be used: \(problem). Answer again, following the requested output format exactly, "
            + "with no other text."
    }
}
