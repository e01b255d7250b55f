// Receives MQTT messages with mqtt.js and hands them on untouched. mqtt.js reconnects
// by itself and resubscribes on reconnect; we only report the state changes.
//
// Nothing lost across restarts: a persistent session (clean session off, a stable client
// id, QoS 1 subscriptions) makes the broker queue messages while the gateway is away.
// mqtt.js emits 'message' before it sends the PUBACK of a QoS 1 message, and `emit` is
// synchronous up to the spool, so a message is acknowledged only once its points are on
// disk; a gateway killed before that gets the message again from the broker.
import mqtt, { type MqttClient } from 'mqtt';
import { SourceStatus, type Emit, type Source, type SourceState } from '../../core/source.ts';
import type { Telemetry } from '../../core/telemetry.ts';

export interface MqttSourceOptions {
  readonly name?: string;
  readonly url: string;
  readonly clientId: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** CA certificates (PEM) the broker's TLS certificate must chain to; default the system's. */
  readonly ca?: string | undefined;
  /** Topic filters to subscribe. */
  readonly subscriptions: readonly string[];
  readonly reconnectMs?: number;
}

export class MqttSource implements Source {
  readonly kind = 'mqtt';
  readonly name: string;
  private client: MqttClient | undefined;
  private readonly status: SourceStatus;

  constructor(
    private readonly options: MqttSourceOptions,
    private readonly telemetry: Telemetry,
  ) {
    this.name = options.name ?? 'mqtt';
    this.status = new SourceStatus(this.name, (...a) => telemetry.sourceState(...a));
  }

  state(): SourceState {
    return this.status.get();
  }

  start(emit: Emit): Promise<void> {
    const { url, clientId, username, password, subscriptions } = this.options;
    const client = mqtt.connect(url, {
      clientId,
      clean: false,
      username,
      password,
      ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
      reconnectPeriod: this.options.reconnectMs ?? 1000,
      connectTimeout: 10_000,
      resubscribe: true,
    });
    this.client = client;
    this.status.set('starting');
    let connectedBefore = false;
    client.on('connect', (connack) => {
      // mqtt.js finishes a connection begun before `stop`: it must not revive the state.
      if (this.status.get() === 'stopped') return;
      // With a session present the broker kept our subscriptions; subscribing again is harmless.
      // Expected on a first start; after a reconnect it means the broker forgot us, and what it got meanwhile is lost.
      if (!connack.sessionPresent) this.telemetry.log[connectedBefore ? 'warn' : 'debug']({ source: this.name, clientId }, `new MQTT session for ${clientId}: the broker held no messages for it`);
      connectedBefore = true;
      client.subscribe(
        subscriptions.map((s) => s),
        { qos: 1 },
        (err) => {
          if (err) this.telemetry.log.error({ source: this.name, err: err.message }, `subscribe failed: ${err.message}`);
        },
      );
      this.status.set('connected', url);
    });
    client.on('close', () => {
      if (this.status.get() !== 'stopped') this.status.set('disconnected', `connection to ${url} closed`);
    });
    client.on('error', (err) => {
      // mqtt.js keeps reconnecting after an error; the state change is what we report.
      if (this.status.get() !== 'stopped') this.status.set('disconnected', err.message);
    });
    const name = this.name;
    client.on('message', (topic, payload) => emit({ kind: 'mqtt', source: name, topic, payload, receivedAt: Date.now() }));
    // The gateway runs without its broker, and catches up when it comes: do not wait here.
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.status.set('stopped');
    await this.client?.endAsync();
  }
}
