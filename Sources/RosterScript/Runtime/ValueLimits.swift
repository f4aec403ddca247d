/// The most one value may hold. A number from outside (a script, a file, a server's reply) can
/// ask for a text or a list far larger than memory (`list(range(0, 9223372036854775807))`, a
/// text doubled in a loop), and an allocation that fails ends the process; past these limits
/// the operation fails with `value_too_large` instead, where the script can see it. They are
/// far above admin data (a million members is a list of a million records), and small enough
/// that any machine roster runs on can allocate one such value.
public enum ValueLimits {
    /// 256 MiB of UTF-8.
    public static let textBytes = 1 << 28
    /// 32 Mi items.
    public static let listItems = 1 << 25

    static func checkText(_ bytes: Int) throws(ErrorValue) {
        guard bytes <= textBytes else { throw tooLarge("a text of \(bytes) bytes", "\(textBytes >> 20) MiB") }
    }

    /// `count` items, or the sum of two counts, which may overflow.
    static func checkText(_ a: Int, plus b: Int) throws(ErrorValue) {
        let (sum, overflow) = a.addingReportingOverflow(b)
        try checkText(overflow ? .max : sum)
    }

    static func checkList(_ items: Int) throws(ErrorValue) {
        guard items <= listItems else { throw tooLarge("a list of \(items) items", "\(listItems) items") }
    }

    static func checkList(_ a: Int, plus b: Int) throws(ErrorValue) {
        let (sum, overflow) = a.addingReportingOverflow(b)
        try checkList(overflow ? .max : sum)
    }

    /// How deep a value may be written (as JSON, as text): a script can nest records without
    /// end (`$head = {next: $head}` in a loop), and writing one walks it on the thread's stack,
    /// which half a million levels overflowed. (JSON read from outside stops at 512.)
    public static let writtenDepth = 10_000

    static func checkDepth(_ level: Int) throws(ErrorValue) {
        guard level < writtenDepth else {
            throw ErrorValue(code: "value_too_deep", message: "a value nested more than \(writtenDepth) levels deep cannot be written as text or JSON")
        }
    }

    static func tooLarge(_ what: String, _ limit: String) -> ErrorValue {
        ErrorValue(code: "value_too_large", message: "\(what) would be over the limit for one value (\(limit))")
    }
}
