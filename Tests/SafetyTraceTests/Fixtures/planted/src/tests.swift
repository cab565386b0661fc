// @verifies SWR-GONE
func ghost() {}
