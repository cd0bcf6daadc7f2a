import Foundation
import ImprintModel
import ImprintServer
import XCTest

/// A bounded load test on loopback: 16 concurrent clients, each sending a few requests (streamed and not), all
/// answered in full, the batch shared, and nothing left running after.
final class ServerLoadTests: XCTestCase {
    func testSixteenConcurrentClients() async throws {
        let generator = try TinyModel.generator()
        let clients = 16, requestsPerClient = 3, maxTokens = 24
        let start = ContinuousClock.now
        let replies = try await withServer(generator: generator) { client in
            try await withThrowingTaskGroup(of: [TestClient.Reply].self) { group in
                for index in 0..<clients {
                    group.addTask {
                        var replies: [TestClient.Reply] = []
                        for round in 0..<requestsPerClient {
                            let stream = (index + round) % 2 == 0
                            var body = chat("client \(index) round \(round)", ["max_tokens": maxTokens, "seed": index * 10 + round])
                            if stream { body["stream"] = true }
                            replies.append(try await client.post("/v1/chat/completions", body))
                        }
                        return replies
                    }
                }
                var all: [TestClient.Reply] = []
                for try await replies in group { all += replies }
                return all
            }
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(120))
        XCTAssertEqual(replies.count, clients * requestsPerClient)
        for reply in replies {
            XCTAssertEqual(reply.status, 200, reply.body)
            if reply.header("Content-Type") == "text/event-stream" {
                XCTAssertEqual(reply.events.last, "[DONE]")
            } else {
                XCTAssertEqual(reply.choiceTexts.count, 1)
            }
        }
        let load = generator.decoder.currentLoad
        XCTAssertEqual(load.runningCompletions, 0)
        XCTAssertEqual(load.queuedRequests, 0)
        // Requests decoded together: fewer steps than tokens (one at a time, every token would be a step).
        XCTAssertLessThan(load.steps, load.generatedTokens / 2, "steps \(load.steps), tokens \(load.generatedTokens)")
    }
}
