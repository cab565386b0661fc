// The EtherCAT state machine's states (AL control/status, registers 0x0120/0x0130) and the AL status codes a
// slave reports in register 0x0134 when it refuses a state or falls out of one (ETG.1000.6 Table 11; the names
// SOEM and IgH print).

/// An EtherCAT slave's application-layer state.
public enum EtherCATState: UInt8, Sendable {
    case initial = 0x01
    case preOperational = 0x02
    case bootstrap = 0x03
    case safeOperational = 0x04
    case operational = 0x08

    /// The name IgH's `ethercat` tool prints: INIT, PREOP, BOOT, SAFEOP, OP.
    public var name: StaticString {
        switch self {
        case .initial: return "INIT"
        case .preOperational: return "PREOP"
        case .bootstrap: return "BOOT"
        case .safeOperational: return "SAFEOP"
        case .operational: return "OP"
        }
    }
}

/// The AL status register (0x0130) as read: a state and the error flag.
public struct EtherCATALStatus: Sendable, Equatable {
    /// The raw register value.
    public var raw: UInt16

    public init(raw: UInt16) { self.raw = raw }

    /// The state, nil for a value no state has (a slave mid-transition reports none of them).
    public var state: EtherCATState? { EtherCATState(rawValue: UInt8(raw & 0x0F)) }
    /// Set when the slave refused a transition or fell out of a state (the code is in 0x0134).
    public var error: Bool { raw & 0x10 != 0 }
    /// Set when the slave's device identification value is loaded (bit 5).
    public var idLoaded: Bool { raw & 0x20 != 0 }
}

/// An AL status code (register 0x0134): why a slave refused a state or left one.
public struct EtherCATALStatusCode: Sendable, Equatable {
    public var raw: UInt16

    public init(_ raw: UInt16) { self.raw = raw }

    /// The ETG.1000.6 name of the code, nil for a code the standard does not name.
    public var name: StaticString? {
        switch raw {
        case 0x0000: return "No error"
        case 0x0001: return "Unspecified error"
        case 0x0002: return "No memory"
        case 0x0003: return "Invalid device setup"
        case 0x0011: return "Invalid requested state change"
        case 0x0012: return "Unknown requested state"
        case 0x0013: return "Bootstrap not supported"
        case 0x0014: return "No valid firmware"
        case 0x0015: return "Invalid mailbox configuration (BOOT)"
        case 0x0016: return "Invalid mailbox configuration (PREOP)"
        case 0x0017: return "Invalid sync manager configuration"
        case 0x0018: return "No valid inputs available"
        case 0x0019: return "No valid outputs"
        case 0x001A: return "Synchronization error"
        case 0x001B: return "Sync manager watchdog"
        case 0x001C: return "Invalid sync manager types"
        case 0x001D: return "Invalid output configuration"
        case 0x001E: return "Invalid input configuration"
        case 0x001F: return "Invalid watchdog configuration"
        case 0x0020: return "Slave needs cold start"
        case 0x0021: return "Slave needs INIT"
        case 0x0022: return "Slave needs PREOP"
        case 0x0023: return "Slave needs SAFEOP"
        case 0x0024: return "Invalid input mapping"
        case 0x0025: return "Invalid output mapping"
        case 0x0026: return "Inconsistent settings"
        case 0x0027: return "FreeRun not supported"
        case 0x0028: return "SyncMode not supported"
        case 0x0029: return "FreeRun needs 3-buffer mode"
        case 0x002A: return "Background watchdog"
        case 0x002B: return "No valid inputs and outputs"
        case 0x002C: return "Fatal sync error"
        case 0x002D: return "No sync error"
        case 0x002E: return "Invalid input FMMU configuration"
        case 0x0030: return "Invalid DC SYNC configuration"
        case 0x0031: return "Invalid DC latch configuration"
        case 0x0032: return "PLL error"
        case 0x0033: return "DC sync I/O error"
        case 0x0034: return "DC sync timeout error"
        case 0x0035: return "DC invalid sync cycle time"
        case 0x0036: return "DC invalid SYNC0 cycle time"
        case 0x0037: return "DC invalid SYNC1 cycle time"
        case 0x0041: return "MBX_AOE"
        case 0x0042: return "MBX_EOE"
        case 0x0043: return "MBX_COE"
        case 0x0044: return "MBX_FOE"
        case 0x0045: return "MBX_SOE"
        case 0x004F: return "MBX_VOE"
        case 0x0050: return "EEPROM no access"
        case 0x0051: return "EEPROM error"
        case 0x0052: return "External hardware not ready"
        case 0x0060: return "Slave restarted locally"
        case 0x0061: return "Device identification value updated"
        case 0x0070: return "Detected module ident list does not match"
        case 0x0080: return "Supply voltage too low"
        case 0x0081: return "Supply voltage too high"
        case 0x0082: return "Temperature too low"
        case 0x0083: return "Temperature too high"
        case 0x00F0: return "Application controller available"
        default: return nil
        }
    }
}

/// ESC registers the master uses (ETG.1000.4 Table 31; Beckhoff ESC datasheet section II).
public enum EtherCATRegister {
    /// ESC type, revision, build (0x0000-0x0003).
    public static let type: UInt16 = 0x0000
    /// FMMUs supported (1 byte), sync managers supported (1), RAM size in KiB (1), port descriptor (1).
    public static let fmmuCount: UInt16 = 0x0004
    public static let syncManagerCount: UInt16 = 0x0005
    public static let ramSize: UInt16 = 0x0006
    public static let portDescriptor: UInt16 = 0x0007
    /// ESC features supported (2 bytes): bit 2 distributed clocks, bit 3 64-bit DC.
    public static let features: UInt16 = 0x0008
    /// Configured station address (2) and alias (2).
    public static let stationAddress: UInt16 = 0x0010
    public static let stationAlias: UInt16 = 0x0012
    /// DL control (4), DL status (2: link and loop per port).
    public static let dlControl: UInt16 = 0x0100
    public static let dlStatus: UInt16 = 0x0110
    /// AL control (2), AL status (2), AL status code (2).
    public static let alControl: UInt16 = 0x0120
    public static let alStatus: UInt16 = 0x0130
    public static let alStatusCode: UInt16 = 0x0134
    /// RX error counters, 2 bytes per port (invalid frame, RX error).
    public static let rxErrorCounters: UInt16 = 0x0300
    /// Watchdog divider (2), sync manager watchdog time (2).
    public static let watchdogDivider: UInt16 = 0x0400
    public static let syncManagerWatchdog: UInt16 = 0x0420
    /// SII EEPROM interface: configuration (1), PDI access (1), control/status (2), address (4), data (4 or 8).
    public static let siiConfig: UInt16 = 0x0500
    public static let siiControl: UInt16 = 0x0502
    public static let siiAddress: UInt16 = 0x0504
    public static let siiData: UInt16 = 0x0508
    /// FMMU n at 0x0600 + 16 n; sync manager n at 0x0800 + 8 n.
    public static let fmmu: UInt16 = 0x0600
    public static let syncManager: UInt16 = 0x0800
    /// DC: receive times of ports 0-3 (4 bytes each), system time (8), receive time of the processing unit (8),
    /// system time offset (8), system time delay (4), system time difference (4).
    public static let dcReceiveTimes: UInt16 = 0x0900
    public static let dcSystemTime: UInt16 = 0x0910
    public static let dcReceiveTimeUnit: UInt16 = 0x0918
    public static let dcSystemTimeOffset: UInt16 = 0x0920
    public static let dcSystemTimeDelay: UInt16 = 0x0928
    public static let dcSystemTimeDifference: UInt16 = 0x092C
    public static let dcSpeedCounterStart: UInt16 = 0x0930
    public static let dcFilterDepth: UInt16 = 0x0934
    /// DC cyclic unit control (1), activation (1), SYNC0 start time (8), SYNC0 cycle (4), SYNC1 cycle (4).
    public static let dcCyclicUnitControl: UInt16 = 0x0980
    public static let dcActivation: UInt16 = 0x0981
    public static let dcSync0StartTime: UInt16 = 0x0990
    public static let dcSync0CycleTime: UInt16 = 0x09A0
    public static let dcSync1CycleTime: UInt16 = 0x09A4
}
