// @implements TSR-1@2
struct StopPaths {}

// @implements SWR-UNC
func unc(_ x: Int) -> Int {
    if x > 0 { return 1 }
    return 0
}
