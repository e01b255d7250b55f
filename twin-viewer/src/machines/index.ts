import { Conveyor } from './conveyor.ts';
import { FdmPrinter } from './fdm-printer.ts';
import { Inspection } from './inspection.ts';
import type { Machine } from './machine.ts';
import { RobotArm } from './robot-arm.ts';

/** One built-in model per kind; a profile's twin.model picks another. */
export function createMachine(model: string): Machine {
  switch (model) {
    case 'robot-arm':
      return new RobotArm();
    case 'fdm-printer':
    case 'sla-printer':
      return new FdmPrinter();
    case 'conveyor':
      return new Conveyor();
    case 'inspection':
      return new Inspection();
    default:
      return new Inspection();
  }
}
