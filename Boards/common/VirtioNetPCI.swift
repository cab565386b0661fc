// The virt boards' Ethernet NIC for guest apps: QEMU's modern virtio-net PCI device (`-device
// virtio-net-pci,disable-legacy=on`, which `orion run` adds for the network apps on a host tap). Finds it on the
// PCIe host bridge's first bus, assigns its BARs below 4 GiB, locates its virtio structures and starts the
// driver (Kernel/Drivers/VirtioNet), saying on the console what it found or what is missing, each line led by
// the app's name. Shared by ecat-demo and pn-demo.

import BoardBoot
import Kernel

/// QEMU's modern virtio-net PCI function.
public enum VirtioNetPCIIdentity {
    public static var vendorID: UInt16 { 0x1AF4 }
    /// The modern (virtio 1.x) network device ID: 0x1040 + device type 1.
    public static var deviceID: UInt16 { 0x1041 }
}

/// A virtio-net NIC found on PCI with its BARs assigned: what the driver needs, and what a task is granted (the
/// BAR with the registers, the INTx route).
public struct VirtioNetPCINIC {
    public var resources: PCIDeviceResources
    public var transport: VirtioPCITransport
    /// The BAR that holds the common configuration (QEMU puts every structure in it): a task that drives the NIC
    /// is granted this window.
    public var registerBAR: PCIBAR
}

/// Finds and configures the NIC. Nil after saying why, with the exit status in `status`: 3 when the board has no
/// PCIe or no NIC (the run was set up wrong), 1 when the NIC is unusable.
public func findVirtioNetNIC(_ system: UnsafeMutablePointer<System>, app: StaticString, status: inout Int32) -> VirtioNetPCINIC? {
    guard system.pointee.platform.pcieECAM != nil, let fdt = system.pointee.devicetree(),
          let host = PCIHostBridge(devicetree: fdt) else {
        var c = system.pointee.console
        c.write(app)
        c.write(": this board has no PCIe host bridge; the virtio-net NIC needs qemu-virt-aarch64 or qemu-virt-riscv64\n")
        system.pointee.console = c
        status = 3
        return nil
    }
    let config = ECAMConfigSpace(base: UInt(host.ecam.base), size: host.ecam.size)
    guard let function = PCIBus.find(config, bus: host.firstBus, vendorID: VirtioNetPCIIdentity.vendorID,
                                     deviceID: VirtioNetPCIIdentity.deviceID) else {
        var c = system.pointee.console
        c.write(app)
        c.write(": no virtio-net NIC (`orion run --app ")
        c.write(app)
        c.write("` adds one on a tap:\n")
        c.write("  -netdev tap,id=net0,ifname=TAP,script=no,downscript=no -device virtio-net-pci,netdev=net0,disable-legacy=on)\n")
        system.pointee.console = c
        status = 3
        return nil
    }
    var allocator = PCIResourceAllocator(host: host)
    let nic = PCIBus.configure(function, in: config, allocator: &allocator, below4G: true)
    let caps = VirtioPCICapabilities.read(config, at: function.address)
    var console = system.pointee.console
    console.write(app)
    console.write(": virtio-net at ")
    console.write(hexDigits: UInt64(function.address.bus), minimumWidth: 2)
    console.write(":")
    console.write(hexDigits: UInt64(function.address.device), minimumWidth: 2)
    console.write(".")
    console.write(decimal: Int(function.address.function))
    var b = 0
    while b < 6 {
        if nic.bars[b].size > 0 {
            console.write(" bar")
            console.write(decimal: b)
            console.write("=")
            console.write(hex: nic.bars[b].cpuAddress)
            console.write("+")
            console.write(hex: nic.bars[b].size)
        }
        b += 1
    }
    console.newline()
    system.pointee.console = console
    guard !nic.unassigned, let common = caps.common, let transport = VirtioPCITransport(caps, bar: { i in
        guard i < 6, nic.bars[i].size > 0, nic.bars[i].space != .io else { return nil }
        return (nic.bars[i].cpuAddress, nic.bars[i].size)
    }) else {
        var c = system.pointee.console
        c.write(app)
        c.write(": the NIC is not a modern virtio PCI device with its structures in assigned BARs\n")
        system.pointee.console = c
        status = 1
        return nil
    }
    return VirtioNetPCINIC(resources: nic, transport: transport, registerBAR: nic.bars[Int(common.bar)])
}

/// Starts the driver on `memory` (`VirtioNet.memoryBytes(queueSize:)` bytes of DMA memory) and says the MAC; nil
/// after saying why the device refused.
public func startVirtioNet(_ system: UnsafeMutablePointer<System>, app: StaticString, _ nic: VirtioNetPCINIC,
                           memory: UnsafeMutableRawBufferPointer, queueSize: UInt16) -> VirtioNet<VirtioMMIO>? {
    let net: VirtioNet<VirtioMMIO>
    do throws(VirtioNetError) {
        net = try VirtioNet.start(VirtioMMIO(), nic.transport, memory: memory, queueSize: queueSize,
                                  receiveInterrupts: nic.resources.interrupt != nil)
    } catch {
        var c = system.pointee.console
        c.write(app)
        switch error {
        case .resetTimedOut: c.write(": virtio-net: the device did not finish its reset\n")
        case .notVersion1: c.write(": virtio-net: a legacy-only device (no VIRTIO_F_VERSION_1)\n")
        case .featuresRefused: c.write(": virtio-net: the device refused the features\n")
        case .noQueue: c.write(": virtio-net: the device has no receive or transmit queue\n")
        case .memoryTooSmall: c.write(": virtio-net: too little memory for the queues\n")
        }
        system.pointee.console = c
        return nil
    }
    var c = system.pointee.console
    c.write(app)
    c.write(": virtio-net started, MAC ")
    let m = net.macAddress
    var bytes = InlineArray<6, UInt8>(repeating: 0)
    bytes[0] = m.0; bytes[1] = m.1; bytes[2] = m.2; bytes[3] = m.3; bytes[4] = m.4; bytes[5] = m.5
    var k = 0
    while k < 6 {
        if k > 0 { c.write(":") }
        c.write(hexDigits: UInt64(bytes[k]), minimumWidth: 2)
        k += 1
    }
    c.newline()
    system.pointee.console = c
    return net
}
