#include <stdint.h>

/* @implements SWR-B@2 */
int motor_stop(void)
{
    return 0;
}
