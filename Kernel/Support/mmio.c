/* Anchor translation unit for KernelSupport; every helper is an inline function in orion_mmio.h. */
#include "orion_mmio.h"
