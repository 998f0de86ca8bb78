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
        // Each column's texts numbered once (equal bytes, equal number), so tuples hash and compare as integers.
        var columnIDs = Array(repeating: [BytewiseString: Int32](), count: projection.count)
        var columnTexts = Array(repeating: [String](), count: projection.count)
        var tupleIDs: [[Int32]: Int] = [:]
        var tuples: [[Int32]] = []
        var tupleOf: [Int64: Int] = [:]
        for slot in slots where tupleOf[slot.group] == nil {
            let all = values[slot.group] ?? []
            var tuple: [Int32] = []
            tuple.reserveCapacity(projection.count)
            for (column, position) in projection.enumerated() {
                let text = position < all.count ? all[position] : ""
                let key = BytewiseString(text)
                if let id = columnIDs[column][key] {
                    tuple.append(id)
                } else {
                    let id = Int32(columnTexts[column].count)
                    columnIDs[column][key] = id
                    columnTexts[column].append(text)
                    tuple.append(id)
                }
            }
            if let known = tupleIDs[tuple] {
                tupleOf[slot.group] = known
            } else {
                tupleIDs[tuple] = tuples.count
                tupleOf[slot.group] = tuples.count
                tuples.append(tuple)
            }
        }
        // Sort ranks of each column's texts, by UTF-8 bytes.
        let columnRanks: [[Int32]] = columnTexts.map { texts in
            let order = texts.indices.sorted { texts[$0].utf8.lexicographicallyPrecedes(texts[$1].utf8) }
            var rank = Array(repeating: Int32(0), count: texts.count)
            for (r, index) in order.enumerated() { rank[index] = Int32(r) }
            return rank
        }
        let ranks = tuples.map { tuple in tuple.enumerated().map { columnRanks[$0][Int($1)] } }
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
                values: tuples.isEmpty ? [] : tuples[key.tuple].enumerated().map { columnTexts[$0][Int($1)] }, accumulator: totals[i]
            )
        }
    }
}
