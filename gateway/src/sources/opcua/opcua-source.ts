// One OPC UA endpoint: one session, one subscription, the monitored items of every device
// on that endpoint. Recovery is owned here rather than left to the client library, since
// silently stopped data after a server restart is what users of other gateways meet most:
// - any loss (connection closed, session closed, a subscription that neither publishes nor
//   sends a keep-alive within a few keep-alive periods) tears everything down and rebuilds
//   client, session, node resolution, subscription and items from scratch, after a capped,
//   jittered backoff;
// - a signal whose path does not resolve, or whose monitored item the server refuses, is
//   reported once with device, signal and path, and retried alone; its siblings flow;
// - each state change is logged once.
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
  resolveNodeId,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type MonitoringParametersOptions,
  type NodeId,
  type UserIdentityInfo,
} from 'node-opcua';
import type { DeviceModel } from '../../../../device-profiles/schema/load.ts';
import type { OpcUaSignal } from '../../../../device-profiles/schema/profile.ts';
import type { OpcUaChange } from '../../core/reading.ts';
import { SourceStatus, type Emit, type Source, type SourceState } from '../../core/source.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import { parseBrowsePath } from './browse-path.ts';
import { resolveExpandedNodeId, resolvePaths } from './resolve.ts';

export interface OpcUaSourceOptions {
  readonly endpoint: string;
  readonly devices: readonly DeviceModel[];
  /** The client's certificate and trust lists (own/, trusted/, rejected/ as node-opcua lays them out). */
  readonly pkiDir: string;
  /** Accept a server certificate that is not in trusted/ (default false: refused, and copied to rejected/). */
  readonly trustUnknownServers?: boolean;
  /** User token for an endpoint whose site entry names no username (the gateway's `opcua.username`). */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  /** A failed signal is retried alone this often. */
  readonly retrySignalMs?: number;
}

interface Item {
  readonly device: DeviceModel;
  readonly signal: string;
  readonly spec: OpcUaSignal;
  /** For logs: the path or node id as written in the profile. */
  readonly where: string;
  nodeId?: NodeId;
  failed?: string;
}

const GOOD = Object.freeze({ name: 'Good', good: true, bad: false });
const KEEP_ALIVE_COUNT = 5;
const WATCHDOG_PERIODS = 4;
const GROUP_SIZE = 500;

export class OpcUaSource implements Source {
  readonly kind = 'opcua';
  readonly name: string;
  private readonly status: SourceStatus;
  private stopped = false;
  private emit: Emit | undefined;
  private client: OPCUAClient | undefined;
  private session: ClientSession | undefined;
  private subscription: ClientSubscription | undefined;
  private items: Item[] = [];
  private lastActivity = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private pending: OpcUaChange[] = [];
  private flushScheduled = false;
  private rebuild: ((why: string) => void) | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly certificates: OPCUACertificateManager;

  constructor(
    private readonly options: OpcUaSourceOptions,
    private readonly telemetry: Telemetry,
  ) {
    this.name = `opcua ${options.endpoint}`;
    this.status = new SourceStatus(this.name, (...a) => telemetry.sourceState(...a));
    this.certificates = new OPCUACertificateManager({ rootFolder: options.pkiDir, automaticallyAcceptUnknownCertificate: options.trustUnknownServers ?? false });
  }

  state(): SourceState {
    return this.status.get();
  }

  start(emit: Emit): Promise<void> {
    this.emit = emit;
    this.status.set('starting');
    this.loop = this.run();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.rebuild?.('stopping');
    this.wake?.();
    await this.loop;
    this.status.set('stopped');
  }

  private async run(): Promise<void> {
    await this.certificates.initialize();
    let delay = this.options.reconnectInitialMs ?? 500;
    const maxDelay = this.options.reconnectMaxMs ?? 10_000;
    while (!this.stopped) {
      const why = await this.session_().catch((err: Error) => err.message);
      await this.teardown();
      if (this.stopped) break;
      this.status.set('disconnected', why);
      // A session that ran for a while earns a fresh, short backoff.
      if (Date.now() - this.lastActivity < 5000 && this.lastActivity > 0) delay = this.options.reconnectInitialMs ?? 500;
      const wait = delay / 2 + Math.random() * (delay / 2);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, wait).unref();
      });
      delay = Math.min(maxDelay, delay * 2);
    }
  }

  /** One session's life: resolves with the reason it ended. */
  private async session_(): Promise<string> {
    const { endpoint } = this.options;
    const conn = this.options.devices[0]!.connection.opcua!;
    const ended = new Promise<string>((resolve) => (this.rebuild = resolve));
    const client = OPCUAClient.create({
      applicationName: 'fieldlab-gateway',
      applicationUri: 'urn:fieldlab:gateway',
      endpointMustExist: false,
      securityMode: MessageSecurityMode[conn.securityMode],
      securityPolicy: SecurityPolicy[conn.securityPolicy],
      clientCertificateManager: this.certificates,
      // Reconnection is ours (see the top of this file), not the library's.
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      keepSessionAlive: true,
      requestedSessionTimeout: 30_000,
    });
    this.client = client;
    client.on('connection_lost', () => this.rebuild?.('connection lost'));
    client.on('close', () => this.rebuild?.('connection closed'));
    await client.connect(endpoint);
    const session = await client.createSession(this.identity());
    this.session = session;
    session.on('session_closed', () => this.rebuild?.('session closed'));
    session.on('keepalive_failure', () => this.rebuild?.('session keep-alive failed'));

    this.items = await this.resolveAll(session);
    const publishingInterval = Math.min(...this.options.devices.map((d) => d.profileDef.opcua!.publishingInterval));
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: publishingInterval,
      requestedMaxKeepAliveCount: KEEP_ALIVE_COUNT,
      requestedLifetimeCount: KEEP_ALIVE_COUNT * 12,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    this.subscription = subscription;
    this.lastActivity = Date.now();
    subscription.on('keepalive', () => (this.lastActivity = Date.now()));
    subscription.on('raw_notification', () => (this.lastActivity = Date.now()));
    subscription.on('terminated', () => this.rebuild?.('subscription terminated'));
    const revised = subscription.publishingInterval * KEEP_ALIVE_COUNT;
    this.watchdog = setInterval(() => {
      const silent = Date.now() - this.lastActivity;
      if (silent > revised * WATCHDOG_PERIODS) this.rebuild?.(`no publish or keep-alive for ${silent} ms`);
    }, Math.max(200, revised));
    this.watchdog.unref();

    await this.monitor(subscription, this.items.filter((i) => i.nodeId));
    // stop() came while this session was being made: it is torn down without being announced.
    if (this.stopped) return ended;
    this.status.set('connected', `${endpoint}: ${this.items.filter((i) => !i.failed).length} of ${this.items.length} signals`);
    this.scheduleRetry();
    return ended;
  }

  private identity(): UserIdentityInfo {
    const conn = this.options.devices[0]!.connection.opcua!;
    if (conn.username) return { type: UserTokenType.UserName, userName: conn.username, password: conn.passwordEnv ? (process.env[conn.passwordEnv] ?? '') : '' };
    const { username, password } = this.options;
    if (username) return { type: UserTokenType.UserName, userName: username, password: password ?? '' };
    return { type: UserTokenType.Anonymous };
  }

  /** Resolves every signal, or only those `only` names ("device/signal"). */
  private async resolveAll(session: ClientSession, only?: ReadonlySet<string>): Promise<Item[]> {
    const items: Item[] = [];
    for (const device of this.options.devices) {
      const binding = device.profileDef.opcua!;
      const aliases = binding.namespaces;
      const entries = Object.entries(binding.signals).filter(([signal]) => !only || only.has(`${device.id}/${signal}`));
      if (entries.length === 0) continue;
      const rootPath = device.connection.opcua?.root ?? binding.root;
      const [root] = await resolvePaths(session, resolveNodeId('ObjectsFolder'), [parseBrowsePath(rootPath, aliases)]);
      if (!root?.ok) {
        for (const [signal, spec] of entries) items.push({ device, signal, spec, where: rootPath, failed: `device root ${rootPath}: ${root?.error}` });
        continue;
      }
      const byPath = entries.filter(([, s]) => s.path);
      const resolved = await resolvePaths(session, root.nodeId, byPath.map(([, s]) => parseBrowsePath(s.path!, aliases)));
      byPath.forEach(([signal, spec], k) => {
        const r = resolved[k]!;
        items.push(r.ok ? { device, signal, spec, where: spec.path!, nodeId: r.nodeId } : { device, signal, spec, where: spec.path!, failed: r.error });
      });
      for (const [signal, spec] of entries.filter(([, s]) => s.node)) {
        const r = await resolveExpandedNodeId(session, spec.node!);
        items.push(r.ok ? { device, signal, spec, where: spec.node!, nodeId: r.nodeId } : { device, signal, spec, where: spec.node!, failed: r.error });
      }
    }
    for (const i of items) if (i.failed) this.telemetry.signalUnavailable(this.name, i.device.id, i.signal, i.where, i.failed);
    return items;
  }

  /** Creates monitored items in groups of the same parameters; marks the ones the server refuses. */
  private async monitor(subscription: ClientSubscription, items: Item[]): Promise<void> {
    const groups = new Map<string, { parameters: MonitoringParametersOptions; list: Item[] }>();
    for (const item of items) {
      const parameters = this.parameters(item);
      const key = JSON.stringify(parameters);
      const group = groups.get(key) ?? { parameters, list: [] };
      group.list.push(item);
      groups.set(key, group);
    }
    for (const { parameters, list } of groups.values()) {
      for (let i = 0; i < list.length; i += GROUP_SIZE) {
        const chunk = list.slice(i, i + GROUP_SIZE);
        const group = ClientMonitoredItemGroup.create(
          subscription,
          chunk.map((it) => ({ nodeId: it.nodeId!, attributeId: AttributeIds.Value })),
          parameters,
          TimestampsToReturn.Both,
        );
        await new Promise<void>((resolve, reject) => {
          group.once('initialized', () => resolve());
          group.once('err', (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
        });
        group.monitoredItems.forEach((m, k) => {
          const item = chunk[k]!;
          const status = m.statusCode;
          if (status && !status.isGood()) {
            item.failed = `monitored item refused: ${status.name}`;
            this.telemetry.signalUnavailable(this.name, item.device.id, item.signal, item.where, item.failed);
          } else if (item.failed === undefined) {
            this.telemetry.signalAvailable(this.name, item.device.id, item.signal);
          }
        });
        group.on('changed', (_m, dataValue: DataValue, index: number) => this.onChange(chunk[index]!, dataValue));
      }
    }
  }

  private parameters(item: Item): MonitoringParametersOptions {
    const binding = item.device.profileDef.opcua!;
    const d = item.spec.deadband;
    return {
      samplingInterval: item.spec.samplingInterval ?? binding.samplingInterval,
      queueSize: item.spec.queueSize ?? binding.queueSize,
      discardOldest: true,
      ...(d
        ? {
            filter: new DataChangeFilter({
              trigger: DataChangeTrigger.StatusValue,
              deadbandType: d.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
              deadbandValue: d.value,
            }),
          }
        : {}),
    };
  }

  private onChange(item: Item, dv: DataValue): void {
    const sc = dv.statusCode;
    this.pending.push({
      device: item.device,
      signal: item.signal,
      value: dv.value?.value,
      // Almost every change is Good: share one status object instead of building names.
      status: sc.isGood() ? GOOD : { name: sc.name, good: false, bad: sc.isBad() },
      sourceTime: dv.sourceTimestamp?.getTime(),
      serverTime: dv.serverTimestamp?.getTime(),
    });
    // node-opcua hands one publish response's changes over one by one, synchronously:
    // pass them on together, so one instant of a robot becomes one point.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        const changes = this.pending;
        this.pending = [];
        this.emit?.({ kind: 'opcua', source: this.name, changes, receivedAt: Date.now() });
      });
    }
  }

  /** Retries the failed signals alone, without touching the ones that flow. */
  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    if (!this.items.some((i) => i.failed)) return;
    this.retryTimer = setTimeout(() => void this.retryFailed(), this.options.retrySignalMs ?? 10_000);
    this.retryTimer.unref();
  }

  private async retryFailed(): Promise<void> {
    const session = this.session;
    const subscription = this.subscription;
    if (!session || !subscription || this.stopped) return;
    const failed = this.items.filter((i) => i.failed);
    try {
      const again = await this.resolveAll(session, new Set(failed.map((f) => `${f.device.id}/${f.signal}`)));
      const fixed = again.filter((a) => a.nodeId);
      for (const a of again) {
        const item = failed.find((f) => f.device === a.device && f.signal === a.signal)!;
        item.nodeId = a.nodeId;
        item.failed = a.failed;
      }
      if (fixed.length > 0) await this.monitor(subscription, failed.filter((f) => !f.failed));
    } catch (err) {
      this.telemetry.log.debug({ source: this.name, err: (err as Error).message }, 'retry of failed signals did not complete');
    }
    this.scheduleRetry();
  }

  private async teardown(): Promise<void> {
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.rebuild = undefined;
    const client = this.client;
    this.client = undefined;
    this.session = undefined;
    this.subscription = undefined;
    if (client) {
      // A dead server must not hold the rebuild up: disconnect gets a deadline.
      await Promise.race([client.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    }
  }
}
