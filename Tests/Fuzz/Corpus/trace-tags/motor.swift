// Motor control.

/// Starts the motor.
// @implements SWR-A
@inline(never)
public func startMotor() {}
