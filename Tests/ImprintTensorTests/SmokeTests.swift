import XCTest
@testable import ImprintTensor
final class SmokeTests: XCTestCase { func testNothing() {} }
