extension BytePairModel {
    /// The merge of HF `tokenizers` `Word::merge_all`, O(n log n) for long words: every adjacent pair with a merge
    /// enters a min-queue ordered by (rank, position); the top pair is merged when it is still current, and the
    /// pairs it forms with its neighbours enter the queue. Gives the ids `mergeByScanning` gives.
    func mergeWithQueue(_ initial: [Int32]) -> [Int32] {
        let count = initial.count
        guard count > 1 else { return initial }
        var ids = initial
        // A doubly linked list over the symbols; merged-away symbols are marked removed.
        var previous = Array(-1..<(count - 1))
        var next = Array(1...count)
        next[count - 1] = -1
        var removed = [Bool](repeating: false, count: count)
        var queue = MergeQueue()
        queue.reserveCapacity(count)
        for position in 0..<(count - 1) {
            if let merge = merges[Self.key(ids[position], ids[position + 1])] { queue.push(rank: merge.rank, position: position) }
        }
        while let (rank, position) = queue.pop() {
            guard !removed[position] else { continue }
            let right = next[position]
            guard right >= 0, let merge = merges[Self.key(ids[position], ids[right])], merge.rank == rank else { continue }
            ids[position] = merge.merged
            removed[right] = true
            let after = next[right]
            next[position] = after
            if after >= 0 { previous[after] = position }
            let before = previous[position]
            if before >= 0, let left = merges[Self.key(ids[before], ids[position])] {
                queue.push(rank: left.rank, position: before)
            }
            if after >= 0, let following = merges[Self.key(ids[position], ids[after])] {
                queue.push(rank: following.rank, position: position)
            }
        }
        var result: [Int32] = []
        var position = 0
        while position >= 0 {
            result.append(ids[position])
            position = next[position]
        }
        return result
    }
}

/// A binary min-heap of (rank, position) pairs, packed into one integer so that ties in rank go to the leftmost.
struct MergeQueue {
    private var heap: [UInt64] = []

    mutating func reserveCapacity(_ capacity: Int) { heap.reserveCapacity(capacity) }

    mutating func push(rank: Int32, position: Int) {
        heap.append(UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(position))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (rank: Int32, position: Int)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                let smaller = left + 1 < heap.count && heap[left + 1] < heap[left] ? left + 1 : left
                guard heap[smaller] < heap[parent] else { break }
                heap.swapAt(smaller, parent)
                parent = smaller
            }
        }
        return (Int32(bitPattern: UInt32(top >> 32)), Int(top & 0xFFFF_FFFF))
    }
}
