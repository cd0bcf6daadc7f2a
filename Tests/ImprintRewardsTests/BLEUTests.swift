import XCTest
@testable import ImprintRewards

final class BLEUTests: XCTestCase {
    /// Sentence BLEU (`effective_order=True`) against sacreBLEU 2.6.0, to 1e-9, with its statistics.
    func testSentenceBLEUMatchesSacreBLEU() throws {
        let file = try Fixtures.load("bleu_jaccard.json", as: Fixtures.BLEUFile.self)
        var actual: [Double] = [], expected: [Double] = []
        for sentence in file.sentences {
            let score = BLEU.sentence.sentenceScore(sentence.hypothesis, references: sentence.references)
            let label = "\(sentence.hypothesis) | \(sentence.references)"
            XCTAssertEqual(score.score, sentence.score, accuracy: 1e-9, label)
            XCTAssertEqual(score.counts, sentence.counts, label)
            XCTAssertEqual(score.totals, sentence.totals, label)
            XCTAssertEqual(score.brevityPenalty, sentence.bp, accuracy: 1e-12, label)
            XCTAssertEqual(score.hypothesisLength, sentence.sys_len, label)
            XCTAssertEqual(score.referenceLength, sentence.ref_len, label)
            actual.append(score.score)
            expected.append(sentence.score)
        }
        let error = maxAbsoluteError(actual, expected)
        XCTAssertLessThanOrEqual(error, 1e-9)
        print("sentence BLEU: max |Swift - sacreBLEU| over \(actual.count) pairs = \(error)")
    }

    /// The 13a tokenizer on the same sentences (HTML entities, `<skipped>`, hyphenation, numbers,
    /// Unicode whitespace).
    func testTokenizer13aMatchesSacreBLEU() throws {
        let file = try Fixtures.load("bleu_jaccard.json", as: Fixtures.BLEUFile.self)
        for sentence in file.sentences {
            let tokens = BLEU.sentence.preprocess(sentence.hypothesis).map { PythonText.string($0) }
            XCTAssertEqual(tokens.joined(separator: " "), sentence.hypothesis_tokens, sentence.hypothesis)
        }
        XCTAssertEqual(Tokenizer13a.tokenize("It is 3.14, not 1990-2000."),
                       ["It", "is", "3.14", ",", "not", "1990", "-", "2000", "."])
    }

    /// Corpus BLEU with sacreBLEU's defaults and with every smoothing method, lower-casing and
    /// effective order.
    func testCorpusBLEUMatchesSacreBLEU() throws {
        let file = try Fixtures.load("bleu_jaccard.json", as: Fixtures.BLEUFile.self)
        var actual: [Double] = [], expected: [Double] = []
        for corpus in file.corpora {
            let variants: [(BLEU, Double)] = [
                (BLEU(), corpus.score),
                (BLEU(effectiveOrder: true), corpus.score_effective_order),
                (BLEU(smoothing: .floor()), corpus.score_floor),
                (BLEU(smoothing: .addK()), corpus.score_add_k),
                (BLEU(smoothing: .off), corpus.score_none),
                (BLEU(lowercase: true), corpus.score_lowercase),
            ]
            for (bleu, score) in variants {
                let result = bleu.corpusScore(corpus.hypotheses, referenceStreams: corpus.reference_streams).score
                XCTAssertEqual(result, score, accuracy: 1e-9, "\(bleu) on \(corpus.hypotheses)")
                actual.append(result)
                expected.append(score)
            }
        }
        let error = maxAbsoluteError(actual, expected)
        XCTAssertLessThanOrEqual(error, 1e-9)
        print("corpus BLEU: max |Swift - sacreBLEU| over \(actual.count) scores = \(error)")
    }

    func testDocumentedExamples() {
        XCTAssertEqual(BLEU.sentence.sentenceScore("the cat", references: ["The cat sat on the mat."]).score,
                       exp(-2.5) * (100.0 * 50).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(BLEU.sentence.similarity("cat", "cat"), 1, accuracy: 1e-15)
        XCTAssertEqual(BLEU.sentence.sentenceScore("", references: ["cat"]).score, 0)
    }

    func testBLEURewardIsSentenceBLEUOverOneHundred() async throws {
        let output = try await BLEUReward().score(RewardBatch(completions: ["the cat"],
                                                              references: ["The cat sat on the mat."]))
        XCTAssertEqual(output.scores[0]!, 0.05804285916064729, accuracy: 1e-15)
    }
}

final class JaccardAndDiversityTests: XCTestCase {
    func testJaccardMatchesTheNotebookDefinition() throws {
        let file = try Fixtures.load("bleu_jaccard.json", as: Fixtures.BLEUFile.self)
        for testCase in file.jaccard {
            XCTAssertEqual(jaccardSimilarity(testCase.a, testCase.b), testCase.jaccard, accuracy: 1e-15,
                           "\(testCase.a) | \(testCase.b)")
        }
        XCTAssertEqual(jaccardSimilarity("The cat sat", "the cat ran"), 0.5)
        XCTAssertEqual(jaccardSimilarity("", "  "), 1)
        XCTAssertEqual(jaccardSimilarity("mat.", "mat"), 0)
    }

    /// The notebook's 7x7 matrices over a fact's phrasings: BLEU (row = hypothesis) and Jaccard,
    /// diagonal 1.
    func testSimilarityMatricesMatchTheNotebook() throws {
        let file = try Fixtures.load("bleu_jaccard.json", as: Fixtures.BLEUFile.self)
        let bleu = SimilarityMatrix.bleu(file.phrasings)
        let jaccard = SimilarityMatrix.jaccard(file.phrasings)
        XCTAssertLessThanOrEqual(maxAbsoluteError(bleu.values.flatMap { $0 }, file.bleu_matrix.flatMap { $0 }), 1e-11)
        XCTAssertLessThanOrEqual(maxAbsoluteError(jaccard.values.flatMap { $0 }, file.jaccard_matrix.flatMap { $0 }), 1e-15)
        XCTAssertNotEqual(bleu.values[0][1], bleu.values[1][0], "BLEU is asymmetric")

        let small = SimilarityMatrix.jaccard(["What year did it open?", "When did it open?", "In which year did it open?"])
        XCTAssertEqual(small.values[0][1], 0.5)
        let expectedMean = (0.5 + 0.5 + 4.0 / 7 + 3.0 / 7 + 4.0 / 7 + 3.0 / 7) / 6
        XCTAssertEqual(small.offDiagonalMean, expectedMean, accuracy: 1e-15)
        XCTAssertEqual(SimilarityMatrix.mean([small, small]).values, small.values)
    }
}

final class AnswerMatchingTests: XCTestCase {
    /// Normalization, exact match and F1 against the SQuAD v2.0 evaluation script.
    func testMatchesTheSQuADScript() throws {
        let file = try Fixtures.load("squad.json", as: Fixtures.SQuADFile.self)
        for testCase in file.cases {
            let label = "\(testCase.prediction) | \(testCase.reference)"
            XCTAssertEqual(AnswerMatching.normalize(testCase.prediction), testCase.normalized_prediction, label)
            XCTAssertEqual(AnswerMatching.exactMatch(testCase.prediction, testCase.reference), Double(testCase.exact), label)
            XCTAssertEqual(AnswerMatching.tokenF1(testCase.prediction, testCase.reference), testCase.f1,
                           accuracy: 1e-15, label)
        }
    }

    func testRewards() async throws {
        let batch = RewardBatch(completions: ["the Silver Heron.", " Silver Heron\n", "In 872 AE"],
                                references: ["Silver Heron", "Silver Heron", "872 AE"])
        let normalized = try await ExactMatchReward().score(batch).scores
        XCTAssertEqual(normalized, [1, 1, 0])
        let strict = try await ExactMatchReward(normalized: false).score(batch).scores
        XCTAssertEqual(strict, [0, 1, 0])
        let untrimmed = try await ExactMatchReward(normalized: false, trimmingWhitespace: false).score(batch).scores
        XCTAssertEqual(untrimmed, [0, 0, 0])
        let f1 = try await TokenF1Reward().score(batch).scores
        XCTAssertEqual(f1[2]!, 0.8, accuracy: 1e-15)
        XCTAssertEqual(ExactMatchReward().name, "normalized_match")
        XCTAssertEqual(ExactMatchReward(normalized: false).name, "exact_match")
    }
}
