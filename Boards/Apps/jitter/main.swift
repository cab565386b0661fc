// Guest app `jitter` (placeholder until the board measurement lands).
#if hasFeature(Embedded)
@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 { 1 }
#else
print("orion-app-jitter is a board image: run it with `orion jitter --board qemu-virt-aarch64`")
#endif
