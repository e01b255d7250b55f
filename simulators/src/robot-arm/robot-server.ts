// A simulated robot arm as a real OPC UA server: the DI, IA, Machinery and Robotics
// (OPC 40010) nodesets shipped with node-opcua, and the standard types instantiated the
// way a robot controller exposes them:
//
//   Objects/Machines/<id>                          MotionDeviceSystemType
//     di:Identification                            MachineIdentificationType (Machinery)
//     machinery:MachineryItemState                 MachineryItemState_StateMachineType
//     robotics:MotionDevices/Arm                   MotionDeviceType
//       robotics:Axes/Axis1..6                     AxisType: di:ParameterSet/ActualPosition, ActualSpeed, ActualAcceleration
//       robotics:PowerTrains/PowerTrain1..6/Motor1 MotorType: di:ParameterSet/MotorTemperature, EffectiveLoadRate
//     robotics:Controllers/Controller              ControllerType
//       robotics:TaskControls/TaskControl1         TaskControlType: TaskProgramName, TaskProgramLoaded, ExecutionMode
//     robotics:SafetyStates/SafetyState1           SafetyStateType: OperationalMode, EmergencyStop, ProtectiveStop
//
// Namespaces are looked up by URI. What the specs do not cover (cycle count, gripper)
// lives in the simulator's own namespace, urn:fieldlab:robot-simulator.
import {
  DataType,
  OPCUACertificateManager,
  OPCUAServer,
  MessageSecurityMode,
  SecurityPolicy,
  StatusCodes,
  nodesets,
  promoteToStateMachine,
  resolveNodeId,
  VariantArrayType,
  type Namespace,
  type UAObject,
  type UAVariable,
  type AddressSpace,
} from 'node-opcua';
import { RobotModel, type RobotModelOptions, type RobotValues } from './robot-model.ts';
import { robotReadout } from './robot-readout.ts';

export const ROBOT_SIM_NAMESPACE = 'urn:fieldlab:robot-simulator';
export const NS = {
  di: 'http://opcfoundation.org/UA/DI/',
  machinery: 'http://opcfoundation.org/UA/Machinery/',
  robotics: 'http://opcfoundation.org/UA/Robotics/',
} as const;

export interface RobotSpec extends RobotModelOptions {
  readonly id: string;
  /** The arm to serve, already built (and perhaps already run: a warm start); default: a new one from the options. */
  readonly arm?: RobotModel;
}

export interface RobotServerOptions extends RobotSpec {
  /** More robots on the same server (a cell controller); the first is `id` itself. */
  readonly moreRobots?: readonly RobotSpec[];
  readonly port: number;
  readonly host?: string;
  /** Value updates per second (default 20: every 50 ms). */
  readonly rate?: number;
  /** Simulated seconds per real second. */
  readonly timeScale?: number;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly serialNumber?: string;
  /** Folder for the server's own certificate and trust lists (created when missing). */
  readonly pkiDir: string;
  /** Also offer Sign and SignAndEncrypt with Basic256Sha256. */
  readonly secure?: boolean;
  /**
   * Offer only SignAndEncrypt with Basic256Sha256 (no None endpoint), and accept only clients
   * whose certificate is in pkiDir's trusted/certs/: how a robot in a deployment is reached.
   */
  readonly requireEncryption?: boolean;
  /** Users allowed to log in with a password; anonymous access stays on unless `anonymous: false`. */
  readonly users?: Readonly<Record<string, string>>;
  readonly anonymous?: boolean;
}

interface Bound {
  position: UAVariable[];
  speed: UAVariable[];
  acceleration: UAVariable[];
  motorTemp: UAVariable[];
  load: UAVariable[];
  emergencyStop: UAVariable;
  protectiveStop: UAVariable;
  operationalMode: UAVariable;
  speedOverride: UAVariable;
  programName: UAVariable;
  cycleCount: UAVariable;
  gripperClosed: UAVariable;
  lastCycleSeconds: UAVariable;
  jointTorque: UAVariable;
  tcpPosition: UAVariable;
  addressSpace: AddressSpace;
  itemState: ReturnType<typeof promoteToStateMachine>;
}

interface Robot {
  readonly spec: RobotSpec;
  readonly model: RobotModel;
  bound?: Bound;
  lastItemState: string;
}

export class RobotServer {
  private readonly robots: Robot[];
  private server: OPCUAServer | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly options: RobotServerOptions) {
    this.robots = [options, ...(options.moreRobots ?? [])].map((spec) => ({ spec, model: spec.arm ?? new RobotModel(spec), lastItemState: '' }));
  }

  get model(): RobotModel {
    return this.robots[0]!.model;
  }

  get endpoint(): string {
    return `opc.tcp://${this.options.host ?? '127.0.0.1'}:${this.options.port}`;
  }

  /** The live address space, for tests that change a running server. */
  get addressSpace(): AddressSpace | undefined {
    return this.server?.engine.addressSpace ?? undefined;
  }

  /** The server's own certificate (DER), for clients that must trust it. */
  get certificateFile(): string | undefined {
    return this.server?.certificateFile;
  }

  async start(): Promise<void> {
    const o = this.options;
    const secure = o.secure ?? false;
    const strict = o.requireEncryption ?? false;
    // A demo simulator trusts any client (the gateway's trust list is what matters there); a
    // deployment's trusts only the certificates put in its trusted/certs/.
    const serverCertificateManager = new OPCUACertificateManager({ rootFolder: o.pkiDir, automaticallyAcceptUnknownCertificate: !strict });
    await serverCertificateManager.initialize();
    const server = new OPCUAServer({
      port: o.port,
      hostname: o.host ?? '127.0.0.1',
      nodeset_filename: [nodesets.standard, nodesets.di, nodesets.ia, nodesets.machinery, nodesets.robotics],
      serverCertificateManager,
      securityModes: strict
        ? [MessageSecurityMode.SignAndEncrypt]
        : secure
          ? [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt]
          : [MessageSecurityMode.None],
      securityPolicies: strict ? [SecurityPolicy.Basic256Sha256] : secure ? [SecurityPolicy.None, SecurityPolicy.Basic256Sha256] : [SecurityPolicy.None],
      allowAnonymous: strict ? false : (o.anonymous ?? true),
      userManager: o.users ? { isValidUser: (user: string, password: string) => o.users![user] === password } : undefined,
      buildInfo: { productName: `Fieldlab robot simulator (${o.id})`, manufacturerName: 'Fieldlab', softwareVersion: '0.1.0' },
      serverInfo: { applicationUri: `urn:fieldlab:robot-simulator:${o.id}`, productUri: 'urn:fieldlab:robot-simulator' },
    });
    await server.initialize();
    const own = server.engine.addressSpace!.registerNamespace(ROBOT_SIM_NAMESPACE);
    for (const r of this.robots) r.bound = buildAddressSpace(server.engine.addressSpace!, own, { ...o, ...r.spec });
    await server.start();
    this.server = server;
    const rate = o.rate ?? 20;
    const dt = (1 / rate) * (o.timeScale ?? 1);
    const tick = (step: boolean) => {
      const at = new Date();
      for (const r of this.robots) this.publish(r, step ? r.model.step(dt) : r.model.values, at);
    };
    tick(false);
    this.timer = setInterval(() => tick(!this.frozen), 1000 / rate);
  }

  private frozen = false;

  /** Stops the robots' motion (the server keeps serving their last values): for counting against ground truth. */
  freeze(): void {
    this.frozen = true;
  }

  private publish(robot: Robot, values: RobotValues, at: Date): void {
    const b = robot.bound!;
    const v = robotReadout(values);
    const set = (variable: UAVariable, dataType: DataType, value: unknown) =>
      variable.setValueFromSource({ dataType, value }, StatusCodes.Good, at);
    for (let j = 0; j < 6; j++) {
      set(b.position[j]!, DataType.Double, v.position[j]!);
      set(b.speed[j]!, DataType.Double, v.speed[j]!);
      set(b.acceleration[j]!, DataType.Double, v.acceleration[j]!);
      set(b.motorTemp[j]!, DataType.Double, v.motorTemp[j]!);
      set(b.load[j]!, DataType.UInt16, v.load[j]!);
    }
    set(b.emergencyStop, DataType.Boolean, v.emergencyStop);
    set(b.protectiveStop, DataType.Boolean, v.protectiveStop);
    set(b.operationalMode, DataType.Int32, v.operationalMode);
    set(b.speedOverride, DataType.Double, v.speedOverride);
    set(b.programName, DataType.String, v.programName);
    set(b.cycleCount, DataType.UInt32, v.cycleCount);
    set(b.gripperClosed, DataType.Boolean, v.gripperClosed);
    set(b.lastCycleSeconds, DataType.Double, v.lastCycleSeconds);
    // A vendor-style array and a structure, for clients that flatten them.
    b.jointTorque.setValueFromSource({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: new Float64Array(v.jointTorque) }, StatusCodes.Good, at);
    b.tcpPosition.setValueFromSource(
      { dataType: DataType.ExtensionObject, value: b.addressSpace.constructExtensionObject(resolveNodeId('ThreeDCartesianCoordinates'), v.tcp) },
      StatusCodes.Good,
      at,
    );
    if (v.itemState !== robot.lastItemState) {
      b.itemState.setState(v.itemState);
      robot.lastItemState = v.itemState;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.server?.shutdown(0);
    this.server = undefined;
  }
}

function buildAddressSpace(as: AddressSpace, own: Namespace, o: RobotServerOptions): Bound {
  const nsIndex = (uri: string) => {
    const i = as.getNamespaceIndex(uri);
    if (i < 0) throw new Error(`namespace ${uri} is not loaded`);
    return i;
  };
  const rob = nsIndex(NS.robotics);
  const di = nsIndex(NS.di);
  const mach = nsIndex(NS.machinery);
  const type = (name: string, ns: number) => {
    const t = as.findObjectType(name, ns);
    if (!t) throw new Error(`object type ${name} not found in namespace ${as.getNamespaceUri(ns)}`);
    return t;
  };
  const child = (parent: UAObject, name: string, ns: number) => {
    const c = parent.getChildByName(name, ns);
    if (!c) throw new Error(`${parent.browseName.toString()} has no child ${name}`);
    return c as UAObject;
  };
  const variable = (parent: UAObject, name: string, ns: number) => child(parent, name, ns) as unknown as UAVariable;
  const setConst = (parent: UAObject, name: string, ns: number, dataType: DataType, value: unknown) => {
    const v = parent.getChildByName(name, ns) as UAVariable | null;
    v?.setValueFromSource({ dataType, value });
  };
  const identify = (node: UAObject, model: string, serial: string) => {
    setConst(node, 'Manufacturer', di, DataType.LocalizedText, { text: o.manufacturer ?? 'Fieldlab Robotics' });
    setConst(node, 'Model', di, DataType.LocalizedText, { text: model });
    setConst(node, 'ProductCode', di, DataType.String, model.replace(/\W+/g, '-'));
    setConst(node, 'SerialNumber', di, DataType.String, serial);
  };

  const objects = as.rootFolder.objects;
  const machines = objects.getFolderElementByName('Machines', mach) ?? objects;
  const serial = o.serialNumber ?? `FL-${o.id.toUpperCase()}`;
  const model = o.model ?? 'FL-6 articulated arm';
  const system = type('MotionDeviceSystemType', rob).instantiate({ browseName: { name: o.id, namespaceIndex: own.index }, organizedBy: machines }) as UAObject;

  const identification = type('MachineIdentificationType', mach).instantiate({
    browseName: { name: 'Identification', namespaceIndex: di },
    componentOf: system,
    optionals: ['Model', 'ProductInstanceUri', 'SerialNumber', 'YearOfConstruction'],
  }) as UAObject;
  setConst(identification, 'Manufacturer', di, DataType.LocalizedText, { text: o.manufacturer ?? 'Fieldlab Robotics' });
  setConst(identification, 'Model', di, DataType.LocalizedText, { text: model });
  setConst(identification, 'SerialNumber', di, DataType.String, serial);
  setConst(identification, 'ProductInstanceUri', mach, DataType.String, `urn:fieldlab:robot:${serial}`);
  setConst(identification, 'YearOfConstruction', mach, DataType.UInt16, 2026);

  const itemStateNode = type('MachineryItemState_StateMachineType', mach).instantiate({
    browseName: { name: 'MachineryItemState', namespaceIndex: mach },
    componentOf: system,
  }) as UAObject;
  const itemState = promoteToStateMachine(itemStateNode);

  const arm = type('MotionDeviceType', rob).instantiate({
    browseName: { name: 'Arm', namespaceIndex: own.index },
    componentOf: child(system, 'MotionDevices', rob),
    optionals: ['ParameterSet.OnPath', 'ParameterSet.InControl'],
  }) as UAObject;
  identify(arm, model, serial);
  setConst(arm, 'MotionDeviceCategory', rob, DataType.Int32, 1); // ARTICULATED_ROBOT
  const armParams = child(arm, 'ParameterSet', di);
  const speedOverride = variable(armParams, 'SpeedOverride', rob);

  const bound: Partial<Bound> = { position: [], speed: [], acceleration: [], motorTemp: [], load: [] };
  const axes = child(arm, 'Axes', rob);
  const powerTrains = child(arm, 'PowerTrains', rob);
  for (let j = 1; j <= 6; j++) {
    const axis = type('AxisType', rob).instantiate({
      browseName: { name: `Axis${j}`, namespaceIndex: own.index },
      componentOf: axes,
      optionals: ['ParameterSet.ActualSpeed', 'ParameterSet.ActualAcceleration'],
    }) as UAObject;
    setConst(axis, 'MotionProfile', rob, DataType.Int32, 1); // ROTARY
    const p = child(axis, 'ParameterSet', di);
    bound.position!.push(variable(p, 'ActualPosition', rob));
    bound.speed!.push(variable(p, 'ActualSpeed', rob));
    bound.acceleration!.push(variable(p, 'ActualAcceleration', rob));
    const train = type('PowerTrainType', rob).instantiate({ browseName: { name: `PowerTrain${j}`, namespaceIndex: own.index }, componentOf: powerTrains }) as UAObject;
    const motor = type('MotorType', rob).instantiate({
      browseName: { name: 'Motor1', namespaceIndex: own.index },
      componentOf: train,
      optionals: ['ParameterSet.EffectiveLoadRate', 'ParameterSet.BrakeReleased'],
    }) as UAObject;
    identify(motor, `FL-M${j} servo motor`, `${serial}-M${j}`);
    const mp = child(motor, 'ParameterSet', di);
    bound.motorTemp!.push(variable(mp, 'MotorTemperature', rob));
    bound.load!.push(variable(mp, 'EffectiveLoadRate', rob));
  }

  const controller = type('ControllerType', rob).instantiate({
    browseName: { name: 'Controller', namespaceIndex: own.index },
    componentOf: child(system, 'Controllers', rob),
  }) as UAObject;
  identify(controller, 'FL-C1 robot controller', `${serial}-C`);
  const task = type('TaskControlType', rob).instantiate({
    browseName: { name: 'TaskControl1', namespaceIndex: own.index },
    componentOf: child(controller, 'TaskControls', rob),
    optionals: ['ParameterSet.ExecutionMode'],
  }) as UAObject;
  setConst(task, 'ComponentName', di, DataType.LocalizedText, { text: 'Main task' });
  const taskParams = child(task, 'ParameterSet', di);
  setConst(taskParams, 'TaskProgramLoaded', rob, DataType.Boolean, true);
  setConst(taskParams, 'ExecutionMode', rob, DataType.Int32, 0); // CYCLE

  const safety = type('SafetyStateType', rob).instantiate({
    browseName: { name: 'SafetyState1', namespaceIndex: own.index },
    componentOf: child(system, 'SafetyStates', rob),
  }) as UAObject;
  const safetyParams = child(safety, 'ParameterSet', di);

  // Outside the companion specs: in the simulator's own namespace, with string node ids.
  const extra = (name: string, dataType: DataType) =>
    own.addVariable({ componentOf: system, browseName: name, nodeId: `s=${o.id}.${name}`, dataType, minimumSamplingInterval: 0 });

  return {
    ...(bound as Pick<Bound, 'position' | 'speed' | 'acceleration' | 'motorTemp' | 'load'>),
    emergencyStop: variable(safetyParams, 'EmergencyStop', rob),
    protectiveStop: variable(safetyParams, 'ProtectiveStop', rob),
    operationalMode: variable(safetyParams, 'OperationalMode', rob),
    speedOverride,
    programName: variable(taskParams, 'TaskProgramName', rob),
    cycleCount: extra('CycleCount', DataType.UInt32),
    gripperClosed: extra('GripperClosed', DataType.Boolean),
    lastCycleSeconds: extra('LastCycleTime', DataType.Double),
    jointTorque: own.addVariable({ componentOf: system, browseName: 'JointTorque', nodeId: `s=${o.id}.JointTorque`, dataType: 'Double', valueRank: 1, arrayDimensions: [6], minimumSamplingInterval: 0 }),
    tcpPosition: own.addVariable({ componentOf: system, browseName: 'TcpPosition', nodeId: `s=${o.id}.TcpPosition`, dataType: 'ThreeDCartesianCoordinates', minimumSamplingInterval: 0 }),
    addressSpace: as,
    itemState,
  };
}
