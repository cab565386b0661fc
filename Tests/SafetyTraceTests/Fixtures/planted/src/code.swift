// @implements TSR-1@2
struct StopPaths {}

// @implements SWR-UNC
func unc() {}
