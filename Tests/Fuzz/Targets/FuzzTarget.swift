// The fuzz targets: one entry per parser or protocol state machine, each taking arbitrary bytes. The
// libFuzzer driver (`orion-fuzz`, built by `Tools/fuzz`) and the corpus replay tests call the same code.

/// A parser or state machine under fuzzing. The raw value names its corpus folder
/// (`Tests/Fuzz/Corpus/<name>`) and is what `Tools/fuzz TARGET` takes.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case fdt
    case virtioPCICaps = "virtio-pci-caps"
    case virtqueue
    case canFrame = "can-frame"
    case candumpArguments = "candump-args"
    case candumpLog = "candump-log"
    case isotpReceiver = "isotp-receiver"
    case sja1000Receive = "sja1000-receive"
    case modbusRTUServer = "modbus-rtu-server"
    case modbusTCPServer = "modbus-tcp-server"
    case modbusClient = "modbus-client"
    case ethercatFrame = "ethercat-frame"
    case ethercatSII = "ethercat-sii"
    case ethercatMailbox = "ethercat-mailbox"
    case ethercatRemapArguments = "ecat-remap-args"
    case ipv4Stack = "ipv4-stack"
    case schedYAML = "sched-yaml"
    case traceRequirements = "trace-requirements"
    case traceTags = "trace-tags"
    case traceConfig = "trace-config"
    case junitXML = "junit-xml"
    case llvmCovJSON = "llvm-cov-json"
    case cyclictestHistogram = "cyclictest-histogram"
    case mbr
    case imageManifest = "image-manifest"
    case mountinfo
    case profinetRPC = "profinet-rpc"
    case profinetDCP = "profinet-dcp"
    case profinetDevice = "profinet-device"
    case profinetAlarmArguments = "pn-alarm-args"
    case profinetStorageFile = "pn-storage-file"

    /// The largest input worth trying (libFuzzer's `-max_len`): frames are small, files larger.
    public var maxLength: Int {
        switch self {
        case .canFrame, .candumpArguments, .candumpLog, .modbusRTUServer, .modbusTCPServer, .modbusClient: return 600
        case .ethercatRemapArguments: return 4200
        case .profinetAlarmArguments: return 200
        case .profinetStorageFile: return 4200
        case .ethercatFrame: return 1600
        case .profinetRPC, .profinetDCP: return 1600
        case .profinetDevice: return 8192
        case .ethercatMailbox: return 640
        case .ipv4Stack: return 4096
        case .virtioPCICaps: return 256
        case .isotpReceiver, .sja1000Receive, .mbr, .virtqueue: return 4096
        case .imageManifest: return 8192
        case .fdt: return 16384
        default: return 32768
        }
    }

    /// What the target feeds its input to, for `Tools/fuzz --list` and docs/RELIABILITY.md.
    public var summary: String {
        switch self {
        case .fdt: return "Kernel FDT reader, node/property walk and the platform probe (Platform, PCI host bridge)"
        case .virtioPCICaps: return "virtio PCI capability walk (Kernel VirtioPCICapabilities) over a 256-byte configuration space"
        case .virtqueue: return "virtio split virtqueue (Kernel VirtioSplitQueue): driver posts and takes against a hostile device's used ring"
        case .canFrame: return "cansend frame syntax (CANTool.CANFrameSyntax), with a format/parse round trip"
        case .candumpArguments: return "candump IF[,filter...] arguments (CANDumpTarget, Fieldbus CANFilterText) and log-line output"
        case .candumpLog: return "candump -L log lines (CANTool.CANLogLine), with a format/parse round trip"
        case .isotpReceiver: return "ISO-TP receiver fed a stream of CAN frames and clock ticks"
        case .sja1000Receive: return "SJA1000 driver's interrupt service over a register image the input supplies"
        case .modbusRTUServer: return "Modbus RTU server: raw frames and frames with a valid CRC"
        case .modbusTCPServer: return "Modbus TCP server: raw ADUs and ADUs with a consistent MBAP header"
        case .modbusClient: return "Modbus client response matching (RTU and TCP) after a request the input picks"
        case .ethercatFrame: return "EtherCAT frames received (Fieldbus EtherCATFrameReader) and the master's reply matching"
        case .ethercatSII: return "EtherCAT SII EEPROM images (Fieldbus EtherCATSII): header, categories, strings, sync managers, PDOs"
        case .ethercatMailbox: return "EtherCAT CoE mailbox answers to an SDO upload, a download and SDO information (Fieldbus sdoUpload, sdoDownload, sdoObjectList/Description): segments, fragments, aborts, emergencies"
        case .ethercatRemapArguments: return "orion ecat --map and --assign values (EtherCATTool.EtherCATRemap), with a format/parse round trip"
        case .ipv4Stack: return "IPv4 stack (Fieldbus IPv4Stack) fed received frames (checksums fixed up or not), sends, clock steps, address changes and port bindings: ARP, ICMP echo, UDP"
        case .schedYAML: return "orion sched task-set YAML (SchedTool.TaskSetFile)"
        case .traceRequirements: return "requirement Markdown files (SafetyTrace.RequirementParser)"
        case .traceTags: return "@implements/@verifies tags in source files (SafetyTrace.TagScanner)"
        case .traceConfig: return "trace.conf (SafetyTrace.TraceConfig)"
        case .junitXML: return "JUnit/xunit XML test results (SafetyTrace.TestResults)"
        case .llvmCovJSON: return "llvm-cov export JSON (SafetyTrace.CoverageData)"
        case .cyclictestHistogram: return "cyclictest histogram files (JitterTool.LatencyHistogramFile)"
        case .mbr: return "MBR partition tables of SD card images and cards (ImageTool.MBR)"
        case .imageManifest: return "orion.txt SD card manifests (ImageTool.ImageManifest), with a format/parse round trip"
        case .mountinfo: return "/proc/self/mountinfo and /proc/swaps (ImageTool.HostTables) and orion flash's refusals over them"
        case .profinetRPC: return "PROFINET IO DCE/RPC datagrams, RTA-PDUs and block bodies (Fieldbus PNRPCDatagram, PNBlockReader, every PNIO block parser), each parsed block written and read back"
        case .profinetDCP: return "PROFINET DCP frames (Fieldbus PNDCPFrameReader) to a device (PNDCPDevice: Identify filters, Get, Set of name, IP, signal, reset) and the controller's response readers"
        case .profinetDevice: return "PROFINET device connection manager (Fieldbus PNConnection) fed RPC datagrams, RT frames, alarm frames, raised alarms and clock steps: connect, control, records, cyclic data, watchdog, the alarm CR"
        case .profinetAlarmArguments: return "orion pn device --alarm values (PROFINETTool.PNScheduledAlarm), with a format/parse round trip"
        case .profinetStorageFile: return "orion pn device storage files (PROFINETTool.PNStorageFile: name, IP suite, I&M1-4), with a format/parse round trip"
        }
    }

    /// Runs one input. Returning normally is a pass; a parser may reject the input with its error, but must
    /// not trap, hang or break the invariants the target checks (a broken invariant traps on purpose).
    public func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .fdt: FuzzKernel.fdt(input)
        case .virtioPCICaps: FuzzVirtio.pciCapabilities(input)
        case .virtqueue: FuzzVirtio.splitQueue(input)
        case .canFrame: FuzzCAN.frameSyntax(input)
        case .candumpArguments: FuzzCAN.dumpArguments(input)
        case .candumpLog: FuzzCAN.logLine(input)
        case .isotpReceiver: FuzzCAN.isotpReceiver(input)
        case .sja1000Receive: FuzzCAN.sja1000(input)
        case .modbusRTUServer: FuzzModbus.rtuServer(input)
        case .modbusTCPServer: FuzzModbus.tcpServer(input)
        case .modbusClient: FuzzModbus.client(input)
        case .ethercatFrame: FuzzEtherCAT.frame(input)
        case .ethercatSII: FuzzEtherCAT.sii(input)
        case .ethercatMailbox: FuzzEtherCAT.mailbox(input)
        case .ethercatRemapArguments: FuzzEtherCAT.remapArguments(input)
        case .ipv4Stack: FuzzIP.stack(input)
        case .schedYAML: FuzzFiles.schedYAML(input)
        case .traceRequirements: FuzzFiles.requirements(input)
        case .traceTags: FuzzFiles.tags(input)
        case .traceConfig: FuzzFiles.traceConfig(input)
        case .junitXML: FuzzFiles.junit(input)
        case .llvmCovJSON: FuzzFiles.llvmCov(input)
        case .cyclictestHistogram: FuzzFiles.histogram(input)
        case .mbr: FuzzImage.mbr(input)
        case .imageManifest: FuzzImage.manifest(input)
        case .mountinfo: FuzzImage.mountinfo(input)
        case .profinetRPC: FuzzPROFINET.rpc(input)
        case .profinetDCP: FuzzPROFINETDCP.frame(input)
        case .profinetDevice: FuzzPROFINETDevice.stream(input)
        case .profinetAlarmArguments: FuzzPROFINET.alarmArguments(input)
        case .profinetStorageFile: FuzzPROFINET.storageFile(input)
        }
    }
}

/// Fails a fuzz run on purpose: an invariant the target checks did not hold.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant: \(message())", file: file, line: line) }
}

/// Reads an input as a stream of small values, for structure-aware targets.
struct FuzzReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    mutating func uint32() -> UInt32 { UInt32(uint16()) << 16 | UInt32(uint16()) }

    /// Up to `count` of the remaining bytes.
    mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        let n = max(0, min(count, bytes.count - offset))
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }

    /// Everything not read yet.
    mutating func rest() -> UnsafeRawBufferPointer { take(bytes.count - offset) }
}
