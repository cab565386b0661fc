// JitterTool: the testable parts of `orion jitter` (options, output formats, histogram files, plots).
import RealTime
