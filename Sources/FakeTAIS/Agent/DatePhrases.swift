import Foundation
import WireFormats

/// Turns the date phrase of a question into a half-open UTC range `[from, to)` of whole seconds.
/// The first phrase (leftmost) counts; without one the range is the last 7 days. The rules, one by one, are
/// the "Date phrases" table of docs/fake-tais.md.
struct DatePhrases {
    /// A range in Unix seconds and the words for it.
    struct Span: Equatable {
        var from: Int64
        var to: Int64
        var label: String
    }

    /// `point`: a fixed day, month, quarter or year, which may start "X to Y"; `relative`: anything else.
    enum Kind { case point, relative }

    struct Match {
        var span: Span
        var kind: Kind
        /// The index after the last token the phrase used.
        var end: Int
    }

    /// How a day, month or quarter given without a year gets one.
    enum YearlessRule {
        /// The most recent one that has started by now (this year's, else an earlier year's).
        case mostRecentStarted
        /// The first one starting at or after this instant (the end of "between X and Y").
        case firstStarting(atOrAfter: Int64)
    }

    enum Unit: String {
        case hour, day, week, month, year
    }

    /// UTC, Gregorian, ISO weeks (Monday first).
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? .gmt
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        return calendar
    }()

    static let years = 1970...9998
    static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    static let monthTokens: [String: Int] = [
        "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
        "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
        "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
        "december": 12, "dec": 12,
    ]
    static let numberWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
        "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    ]
    static let rollingUnits: [String: Unit] = [
        "hour": .hour, "hours": .hour, "day": .day, "days": .day, "week": .week, "weeks": .week,
        "month": .month, "months": .month, "year": .year, "years": .year,
    ]
    /// Words that end the first half of "from X to Y" / "X to Y".
    static let toWords: Set<String> = ["to", "until", "till", "through", "thru"]
    /// A bare year ("in 2025") and a lone "May" count only after one of these (or as an end of since/between/from).
    static let leadIns: Set<String> = ["in", "for", "during", "of", "on"]

    let tokens: [String]
    /// `now` rounded down to the whole second: which day it is.
    let nowFloor: Int64
    /// `now` rounded up to the whole second: the exclusive end of ranges that run until now.
    let nowEnd: Int64
    let todayYear: Int
    let todayMonth: Int
    let todayStart: Int64
    /// Days since Monday: 0 on a Monday … 6 on a Sunday.
    let daysSinceMonday: Int

    init(tokens: [String], now: Date) {
        self.tokens = tokens
        // Clamped to 1970…9999 so that every conversion below stays in range.
        let seconds = min(max(now.timeIntervalSince1970, 0), 253_370_764_800)
        nowFloor = Int64(seconds.rounded(.down))
        nowEnd = Int64(seconds.rounded(.up))
        let parts = Self.calendar.dateComponents([.year, .month, .day, .weekday], from: Self.date(nowFloor))
        todayYear = parts.year ?? 1970
        todayMonth = parts.month ?? 1
        todayStart = Self.start(todayYear, todayMonth, parts.day ?? 1) ?? 0
        daysSinceMonday = ((parts.weekday ?? 2) + 5) % 7
    }

    // MARK: - Words

    /// Lower-cased words: letters, digits and `-`; every other character separates. A `-` stays only
    /// inside an ISO date (`2026-01-15`), elsewhere it separates too.
    static func tokenize(_ text: some StringProtocol) -> [String] {
        var tokens: [String] = []
        var current = ""
        func flush() {
            defer { current = "" }
            guard !current.isEmpty else { return }
            if current.contains("-"), !isISOShaped(current) {
                tokens += current.split(separator: "-").map(String.init)
            } else {
                tokens.append(current)
            }
        }
        for character in text.lowercased() {
            if character.isLetter || character.isNumber || character == "-" {
                current.append(character)
            } else {
                flush()
            }
        }
        flush()
        return tokens
    }

    /// 1 to 6 ASCII digits.
    static func digits(_ text: some StringProtocol) -> Int? {
        guard (1...6).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// Digits shaped like a date, `dddd-d[d]-d[d]`, whether or not the day exists: kept as one word, so
    /// that `2026-02-30` is no phrase at all (rather than the year 2026).
    static func isISOShaped(_ token: String) -> Bool {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 4 && parts[1].count <= 2 && parts[2].count <= 2
            && parts.allSatisfy { digits($0) != nil }
    }

    /// `2026-01-15` (month and day may have one digit); a real day of a year in 1970…9998.
    static func isoDate(_ token: String) -> (year: Int, month: Int, day: Int)? {
        guard isISOShaped(token) else { return nil }
        let parts = token.split(separator: "-").compactMap { digits($0) }
        guard parts.count == 3, start(parts[0], parts[1], parts[2]) != nil else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    /// `15`, `15th`, `1st`, `2nd`, `3rd`: 1…31.
    static func dayNumber(_ token: String?) -> Int? {
        guard var text = token?[...] else { return nil }
        for suffix in ["st", "nd", "rd", "th"] where text.hasSuffix(suffix) {
            text = text.dropLast(2)
            break
        }
        guard text.count <= 2, let day = digits(text), (1...31).contains(day) else { return nil }
        return day
    }

    /// Four digits, 1970…9998.
    static func year(_ token: String?) -> Int? {
        guard let token, token.count == 4, let year = digits(token), years.contains(year) else { return nil }
        return year
    }

    /// `q1` … `q4`.
    static func quarter(_ token: String?) -> Int? {
        guard let token, token.count == 2, token.first == "q", let q = digits(token.dropFirst()), (1...4).contains(q)
        else { return nil }
        return q
    }

    /// `7` (1…999999) or `one` … `twelve`.
    static func count(_ token: String?) -> Int? {
        guard let token else { return nil }
        if let word = numberWords[token] { return word }
        guard let n = digits(token), n >= 1 else { return nil }
        return n
    }

    /// `24h`, `7d`, `2w`.
    static func compact(_ token: String?) -> (count: Int, unit: Unit)? {
        guard let token, let last = token.last, let n = count(String(token.dropLast())), n >= 1,
              token.dropLast().allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        switch last {
        case "h": return (n, .hour)
        case "d": return (n, .day)
        case "w": return (n, .week)
        default: return nil
        }
    }

    func token(_ index: Int) -> String? {
        tokens.indices.contains(index) ? tokens[index] : nil
    }

    // MARK: - Calendar

    static func date(_ seconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// 00:00 UTC of that day, or nil when there is no such day (or the year is outside 1970…9998).
    static func start(_ year: Int, _ month: Int, _ day: Int) -> Int64? {
        guard years.contains(year), (1...12).contains(month), day >= 1, day <= RFC3339.daysIn(month: month, year: year),
              let date = calendar.date(from: DateComponents(year: year, month: month, day: day))
        else { return nil }
        return Int64(date.timeIntervalSince1970)
    }

    static func monthAfter(_ year: Int, _ month: Int) -> (year: Int, month: Int) {
        month == 12 ? (year + 1, 1) : (year, month + 1)
    }

    static func monthBefore(_ year: Int, _ month: Int, by count: Int = 1) -> (year: Int, month: Int) {
        let index = year * 12 + (month - 1) - count
        return (index / 12, index % 12 + 1)
    }

    static func dayLabel(_ year: Int, _ month: Int, _ day: Int) -> String {
        "\(monthNames[month - 1]) \(day), \(year)"
    }

    func daySpan(_ year: Int, _ month: Int, _ day: Int) -> Span? {
        guard let from = Self.start(year, month, day) else { return nil }
        return Span(from: from, to: from + 86400, label: Self.dayLabel(year, month, day))
    }

    func monthSpan(_ year: Int, _ month: Int) -> Span? {
        let next = Self.monthAfter(year, month)
        guard let from = Self.start(year, month, 1), let to = Self.start(next.year, next.month, 1) else { return nil }
        return Span(from: from, to: to, label: "\(Self.monthNames[month - 1]) \(year)")
    }

    func quarterSpan(_ year: Int, _ quarter: Int) -> Span? {
        let month = (quarter - 1) * 3 + 1
        let next = quarter == 4 ? (year + 1, 1) : (year, month + 3)
        guard let from = Self.start(year, month, 1), let to = Self.start(next.0, next.1, 1) else { return nil }
        return Span(from: from, to: to, label: "Q\(quarter) \(year)")
    }

    func yearSpan(_ year: Int) -> Span? {
        guard let from = Self.start(year, 1, 1), let to = Self.start(year + 1, 1, 1) else { return nil }
        return Span(from: from, to: to, label: "\(year)")
    }

    /// The year a day, month or quarter without one gets (see `YearlessRule`); `span(year)` is nil for a
    /// year in which it does not exist (February 29th). Looks at most 8 years away.
    func resolve(_ rule: YearlessRule, _ span: (Int) -> Span?) -> Span? {
        switch rule {
        case .mostRecentStarted:
            for year in stride(from: todayYear, through: todayYear - 8, by: -1) {
                if let found = span(year), found.from <= nowFloor { return found }
            }
        case .firstStarting(let bound):
            let boundYear = Self.calendar.component(.year, from: Self.date(bound))
            for year in boundYear...(boundYear + 8) {
                if let found = span(year), found.from >= bound { return found }
            }
        }
        return nil
    }

    // MARK: - Relative ranges

    /// "this week" … "this year": from the start of the current one until now.
    func current(_ unit: String) -> Span? {
        switch unit {
        case "week":
            return Span(from: todayStart - Int64(daysSinceMonday) * 86400, to: nowEnd, label: "this week")
        case "month":
            guard let from = Self.start(todayYear, todayMonth, 1) else { return nil }
            return Span(from: from, to: nowEnd, label: "this month")
        case "quarter":
            guard let from = Self.start(todayYear, (todayMonth - 1) / 3 * 3 + 1, 1) else { return nil }
            return Span(from: from, to: nowEnd, label: "this quarter")
        case "year":
            guard let from = Self.start(todayYear, 1, 1) else { return nil }
            return Span(from: from, to: nowEnd, label: "this year")
        default:
            return nil
        }
    }

    /// "last week" … "last year": the whole previous calendar one.
    func previous(_ unit: String) -> Span? {
        guard let current = current(unit) else { return nil }
        let from: Int64?
        switch unit {
        case "week":
            from = current.from - 7 * 86400
        case "month":
            let month = Self.monthBefore(todayYear, todayMonth)
            from = Self.start(month.year, month.month, 1)
        case "quarter":
            let month = Self.monthBefore(todayYear, (todayMonth - 1) / 3 * 3 + 1, by: 3)
            from = Self.start(month.year, month.month, 1)
        default:
            from = Self.start(todayYear - 1, 1, 1)
        }
        guard let from else { return nil }
        return Span(from: from, to: current.from, label: "last \(unit)")
    }

    /// "last N days": now minus N units (months and years by the calendar) until now.
    func rolling(_ count: Int, _ unit: Unit) -> Span {
        let from: Int64
        switch unit {
        case .hour: from = nowEnd - Int64(count) * 3600
        case .day: from = nowEnd - Int64(count) * 86400
        case .week: from = nowEnd - Int64(count) * 7 * 86400
        case .month, .year:
            let component: Calendar.Component = unit == .month ? .month : .year
            let date = Self.calendar.date(byAdding: component, value: -count, to: Self.date(nowEnd))
            from = date.map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? 0
        }
        let label = count == 1 ? "the past \(unit.rawValue)" : "the last \(count) \(unit.rawValue)s"
        return Span(from: from, to: nowEnd, label: label)
    }

    // MARK: - Matching

    /// The question's range: its first date phrase, or the last 7 days. Never starts before 1970 and
    /// never empty: when `to` is not after `from` (e.g. "today" at 00:00:00) `to` becomes `from` + 1 second.
    func range() -> Span {
        var span = tokens.indices.lazy.compactMap(phrase(at:)).first
            ?? Span(from: nowEnd - 7 * 86400, to: nowEnd, label: "the last 7 days")
        span.from = max(span.from, 0)
        if span.to <= span.from { span.to = span.from + 1 }
        return span
    }

    /// A date phrase starting at `index`.
    func phrase(at index: Int) -> Span? {
        switch tokens[index] {
        case "since":
            if let start = endpoint(index + 1, .mostRecentStarted) {
                return Span(from: start.span.from, to: nowEnd, label: "since \(start.span.label)")
            }
        case "between":
            if let first = endpoint(index + 1, .mostRecentStarted), token(first.end) == "and",
               let second = endpoint(first.end + 1, .firstStarting(atOrAfter: first.span.from)) {
                return join(first.span, second.span)
            }
        case "from":
            if let first = endpoint(index + 1, .mostRecentStarted), let word = token(first.end), Self.toWords.contains(word),
               let second = endpoint(first.end + 1, .firstStarting(atOrAfter: first.span.from)) {
                return join(first.span, second.span)
            }
        default:
            break
        }
        guard let first = base(index, .mostRecentStarted, endpoint: false) else { return nil }
        if first.kind == .point, let word = token(first.end), Self.toWords.contains(word),
           let second = endpoint(first.end + 1, .firstStarting(atOrAfter: first.span.from)) {
            return join(first.span, second.span)
        }
        return first.span
    }

    /// "X to Y", either order: from the earlier start to the later end (both ends count). When the later end is
    /// "now", the range ends now, even when X is today (whose own end lies in the future).
    func join(_ first: Span, _ second: Span) -> Span {
        let (early, late) = second.from < first.from ? (second, first) : (first, second)
        let end = late.from == late.to ? late.to : max(early.to, late.to)
        return Span(from: early.from, to: end, label: "\(early.label) to \(late.label)")
    }

    /// One end of since / between / from … to: an optional "the", then "now" or any date phrase.
    func endpoint(_ index: Int, _ rule: YearlessRule) -> Match? {
        var index = index
        if token(index) == "the" { index += 1 }
        if token(index) == "now" {
            return Match(span: Span(from: nowEnd, to: nowEnd, label: "now"), kind: .relative, end: index + 1)
        }
        return base(index, rule, endpoint: true)
    }

    /// A single date phrase at `index` (no since / between / from).
    func base(_ index: Int, _ rule: YearlessRule, endpoint: Bool) -> Match? {
        guard let word = token(index) else { return nil }
        let next = token(index + 1)
        func relative(_ span: Span?, _ used: Int) -> Match? {
            span.map { Match(span: $0, kind: .relative, end: index + used) }
        }
        func point(_ span: Span?, _ used: Int) -> Match? {
            span.map { Match(span: $0, kind: .point, end: index + used) }
        }

        switch word {
        case "today":
            return relative(Span(from: todayStart, to: nowEnd, label: "today"), 1)
        case "yesterday":
            return relative(Span(from: todayStart - 86400, to: todayStart, label: "yesterday"), 1)
        case "ytd":
            return relative(current("year"), 1)
        case "mtd":
            return relative(current("month"), 1)
        case "year" where next == "to" && token(index + 2) == "date":
            return relative(current("year"), 3)
        case "month" where next == "to" && token(index + 2) == "date":
            return relative(current("month"), 3)
        case "this", "current":
            if let next, let span = current(next) { return relative(span, 2) }
        case "last", "past", "previous", "prev":
            if let n = Self.count(next), let unit = token(index + 2).flatMap({ Self.rollingUnits[$0] }) {
                return relative(rolling(n, unit), 3)
            }
            if let compact = Self.compact(next) {
                return relative(rolling(compact.count, compact.unit), 2)
            }
            if word != "past", let next, let span = previous(next) {
                return relative(span, 2)
            }
            if let next, let unit = Self.rollingUnits[next], next == unit.rawValue,
               word == "past" || (word == "last" && (unit == .hour || unit == .day)) {
                return relative(rolling(1, unit), 2)
            }
        default:
            break
        }

        if let quarter = Self.quarter(word) {
            var used = 1
            if token(index + used) == "of" { used += 1 }
            if let year = Self.year(token(index + used)) { return point(quarterSpan(year, quarter), used + 1) }
            return point(resolve(rule) { quarterSpan($0, quarter) }, 1)
        }
        if let year = Self.year(word) {
            if let quarter = Self.quarter(next) { return point(quarterSpan(year, quarter), 2) }
            if endpoint || token(index - 1).map(Self.leadIns.contains) == true { return point(yearSpan(year), 1) }
            return nil
        }
        if let iso = Self.isoDate(word) {
            return point(daySpan(iso.year, iso.month, iso.day), 1)
        }
        if let month = Self.monthTokens[word] {
            // January 15[th] [2026]
            if let day = Self.dayNumber(next) {
                if let year = Self.year(token(index + 2)) { return point(daySpan(year, month, day), 3) }
                return point(resolve(rule) { daySpan($0, month, day) }, 2)
            }
            // January [of] 2026
            var used = 1
            if token(index + used) == "of" { used += 1 }
            if let year = Self.year(token(index + used)) { return point(monthSpan(year, month), used + 1) }
            // January: "may" alone is a month only after a lead-in word ("in May").
            if word == "may", !endpoint, token(index - 1).map(Self.leadIns.contains) != true { return nil }
            return point(resolve(rule) { monthSpan($0, month) }, 1)
        }
        if let day = Self.dayNumber(word) {
            // 15[th] [of] January [2026]
            var used = 1
            if token(index + used) == "of" { used += 1 }
            guard let month = token(index + used).flatMap({ Self.monthTokens[$0] }) else { return nil }
            used += 1
            if let year = Self.year(token(index + used)) { return point(daySpan(year, month, day), used + 1) }
            return point(resolve(rule) { daySpan($0, month, day) }, used)
        }
        return nil
    }
}
