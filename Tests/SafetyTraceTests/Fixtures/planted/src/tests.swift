// @verifies SWR-GONE
func ghost() {}

// @verifies SWR-DEC
func decompositionHolds() {}

// @verifies SWR-LOW
func lowIsTested() {}
