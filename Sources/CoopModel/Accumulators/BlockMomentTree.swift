/// Moments of consecutive blocks merged along a fixed binary tree, so that memory stays
/// O(log blocks) and the result does not depend on how blocks are grouped (threads, shards).
///
/// Every node covers an aligned dyadic interval of blocks `[k·2^l, (k+1)·2^l)`; its moments are
/// the Chan merge (see `RunningMoments.merge`) of its two children, left first. Blocks are pushed
/// in order; whenever the two newest nodes are siblings (same level, the left one aligned to
/// 2^(l+1)) they are replaced by their parent, as in a binary counter. So the tree's shape, and
/// every node's value, depend only on the block indices: pushing the nodes of partial trees of
/// consecutive ranges (`absorb`) gives bit for bit the tree of a single pass. `total` folds the
/// remaining nodes (one per 1-bit of the number of blocks) left to right.
///
/// Each node holds a vector of moments (one per (scenario, year, metric) cell).
public struct BlockMomentTree: Sendable, Codable, Equatable {
    public struct Node: Sendable, Codable, Equatable {
        /// First block covered.
        public var start: Int
        /// The node covers 2^level blocks.
        public var level: Int
        public var moments: [RunningMoments]
    }

    /// Nodes in block order, covering consecutive blocks.
    public private(set) var nodes: [Node] = []
    public let cells: Int

    public init(cells: Int) {
        precondition(cells >= 0, "A moment tree needs a non-negative number of cells, got \(cells).")
        self.cells = cells
    }

    /// The block after the last one covered (nil when empty).
    public var end: Int? { nodes.last.map { $0.start + (1 << $0.level) } }

    /// Adds the moments of block `index`, which must follow the last block covered.
    public mutating func push(block index: Int, moments: [RunningMoments]) {
        push(Node(start: index, level: 0, moments: moments))
    }

    /// Adds every node of `other`, whose blocks must follow this tree's.
    public mutating func absorb(_ other: BlockMomentTree) {
        precondition(other.cells == cells, "Moment trees of \(cells) and \(other.cells) cells cannot be merged.")
        for n in other.nodes { push(n) }
    }

    mutating func push(_ node: Node) {
        precondition(node.moments.count == cells, "A block has \(node.moments.count) moment cells, the tree \(cells).")
        if let e = end { precondition(node.start == e, "Blocks must be pushed in order: expected block \(e), got \(node.start).") }
        nodes.append(node)
        while nodes.count >= 2 {
            let right = nodes[nodes.count - 1], left = nodes[nodes.count - 2]
            guard left.level == right.level, left.start % (1 << (left.level + 1)) == 0 else { break }
            var merged = left.moments
            for c in 0..<cells { merged[c].merge(right.moments[c]) }
            nodes.removeLast(2)
            nodes.append(Node(start: left.start, level: left.level + 1, moments: merged))
        }
    }

    /// The moments of every block covered: the remaining nodes folded left to right.
    public var total: [RunningMoments] {
        var out = Array(repeating: RunningMoments(), count: cells)
        for n in nodes { for c in 0..<cells { out[c].merge(n.moments[c]) } }
        return out
    }
}
