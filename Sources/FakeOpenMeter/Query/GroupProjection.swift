/// Turns per-(window, subject, group id) accumulators into the query's output groups: each group id
/// becomes the values of the requested keys, ids that show the same values merge, and the groups
/// come out in SQLite's ORDER BY order (window, subject, then each key's text by UTF-8 bytes).
/// Everything is keyed and compared by integers: each distinct text gets its sort rank once.
struct GroupProjection {
    struct Slot: Hashable {
        var window: Int64
        /// Index into the subjects, -1 when not grouped by subject.
        var subject: Int32
        var group: Int64
    }

    struct Output {
        var window: Int64
        var subject: String?
        var values: [String]
        var accumulator: GroupAccumulator
    }

    /// - Parameters:
    ///   - values: the full group-by values of each group id, in the meter's key order.
    ///   - projection: for each requested key, its position in those values.
    static func project(
        slots: [Slot], accumulators: [GroupAccumulator], subjects: [String],
        values: [Int64: [String]], projection: [Int]
    ) -> [Output] {
        // The requested values of each group id, numbered: equal texts (bytewise), equal number.
        var tupleIDs: [[BytewiseString]: Int] = [:]
        var tuples: [[String]] = []
        var tupleOf: [Int64: Int] = [:]
        for slot in slots where tupleOf[slot.group] == nil {
            let all = values[slot.group] ?? []
            let shown = projection.map { $0 < all.count ? all[$0] : "" }
            let key = shown.map(BytewiseString.init)
            if let known = tupleIDs[key] {
                tupleOf[slot.group] = known
            } else {
                tupleIDs[key] = tuples.count
                tupleOf[slot.group] = tuples.count
                tuples.append(shown)
            }
        }
        // Sort ranks of each column's texts, and of the subjects.
        var ranks = Array(repeating: [Int32](), count: tuples.count)
        for column in projection.indices {
            let distinct = Set(tuples.map { BytewiseString($0[column]) })
            let order = distinct.sorted { $0.text.utf8.lexicographicallyPrecedes($1.text.utf8) }
            let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, Int32($0)) })
            for t in tuples.indices { ranks[t].append(rank[BytewiseString(tuples[t][column])] ?? 0) }
        }
        let subjectOrder = subjects.indices.sorted { subjects[$0].utf8.lexicographicallyPrecedes(subjects[$1].utf8) }
        var subjectRank = Array(repeating: Int32(0), count: subjects.count)
        for (rank, index) in subjectOrder.enumerated() { subjectRank[index] = Int32(rank) }

        // Merge slots that show the same output group.
        struct Merged: Hashable {
            var window: Int64
            var subject: Int32
            var tuple: Int
        }
        var merged: [Merged: Int] = [:]
        var keys: [Merged] = []
        var totals: [GroupAccumulator] = []
        for (slot, accumulator) in zip(slots, accumulators) {
            let key = Merged(window: slot.window, subject: slot.subject, tuple: tupleOf[slot.group] ?? 0)
            if let index = merged[key] {
                totals[index].merge(accumulator)
            } else {
                merged[key] = totals.count
                keys.append(key)
                totals.append(accumulator)
            }
        }
        let order = keys.indices.sorted { a, b in
            let x = keys[a], y = keys[b]
            if x.window != y.window { return x.window < y.window }
            if x.subject != y.subject {
                return (x.subject < 0 ? -1 : subjectRank[Int(x.subject)]) < (y.subject < 0 ? -1 : subjectRank[Int(y.subject)])
            }
            return ranks[x.tuple].lexicographicallyPrecedes(ranks[y.tuple])
        }
        return order.map { i in
            let key = keys[i]
            return Output(
                window: key.window, subject: key.subject < 0 ? nil : subjects[Int(key.subject)],
                values: tuples.isEmpty ? [] : tuples[key.tuple], accumulator: totals[i]
            )
        }
    }
}
