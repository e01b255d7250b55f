// What a simulated robot's controller exposes at one instant, as plain data: the values the
// OPC UA server writes into its nodes, rounded as it writes them. The server publishes this;
// a recorded past turns the same readout into the value changes an OPC UA client would have
// received, so both tell the same story from the same model.
import type { RobotValues } from './robot-model.ts';

export type ItemState = 'Executing' | 'NotExecuting' | 'OutOfService';

export interface RobotReadout {
  readonly position: readonly number[];
  readonly speed: readonly number[];
  readonly acceleration: readonly number[];
  readonly motorTemp: readonly number[];
  readonly load: readonly number[];
  readonly emergencyStop: boolean;
  readonly protectiveStop: boolean;
  readonly operationalMode: number;
  readonly speedOverride: number;
  readonly programName: string;
  readonly cycleCount: number;
  readonly gripperClosed: boolean;
  readonly lastCycleSeconds: number;
  /** A vendor-style array (N·m), from the motor loads. */
  readonly jointTorque: readonly number[];
  /** The tool centre point (mm), a ThreeDCartesianCoordinates structure on the server. */
  readonly tcp: { readonly x: number; readonly y: number; readonly z: number };
  /** Machinery MachineryItemState's current state. */
  readonly itemState: ItemState;
}

const RATED_TORQUE_NM = [320, 320, 160, 55, 55, 30];

export function robotReadout(v: RobotValues): RobotReadout {
  return {
    position: v.position.map((x) => round(x, 4)),
    speed: v.speed.map((x) => round(x, 4)),
    acceleration: v.acceleration.map((x) => round(x, 4)),
    motorTemp: v.motorTemp.map((x) => round(x, 2)),
    load: [...v.load],
    emergencyStop: v.emergencyStop,
    protectiveStop: v.protectiveStop,
    operationalMode: v.operationalMode,
    speedOverride: v.speedOverride,
    programName: v.programName,
    cycleCount: v.cycleCount,
    gripperClosed: v.gripperClosed,
    lastCycleSeconds: v.lastCycleSeconds,
    jointTorque: v.load.map((l, j) => round((l / 100) * RATED_TORQUE_NM[j]!, 2)),
    tcp: toolCentrePoint(v.position),
    itemState: v.state === 'emergency_stop' ? 'OutOfService' : v.state === 'executing' ? 'Executing' : 'NotExecuting',
  };
}

/** A rough forward kinematics of a six-axis arm (mm), enough for a moving TCP on a chart. */
function toolCentrePoint(q: readonly number[]): { x: number; y: number; z: number } {
  const rad = Math.PI / 180;
  const [base, shoulder, elbow] = [q[0]! * rad, (q[1]! + 90) * rad, (q[1]! + 90 + q[2]! - 90) * rad];
  const reach = 450 * Math.sin(shoulder) + 450 * Math.sin(elbow) + 100;
  return {
    x: round(reach * Math.cos(base), 1),
    y: round(reach * Math.sin(base), 1),
    z: round(400 + 450 * Math.cos(shoulder) + 450 * Math.cos(elbow), 1),
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
