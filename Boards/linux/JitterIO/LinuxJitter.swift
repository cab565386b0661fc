import CJitter
import RealTime
