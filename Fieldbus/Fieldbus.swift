// Fieldbus: portable CAN/ISO-TP, EtherCAT, PROFINET (with the IP layer under it) and Modbus stacks; LIN arrives
// with later work.

import Kernel

/// The fieldbus families Orion RT implements or plans to.
public enum FieldbusKind: Sendable {
    /// CAN and CAN FD (with ISO-TP above).
    case can
    /// LIN.
    case lin
    /// EtherCAT.
    case etherCAT
    /// PROFINET RT.
    case profinet
    /// Modbus RTU and TCP.
    case modbus
}
