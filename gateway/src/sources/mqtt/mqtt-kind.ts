import { subscriptionsFor } from '../../normalize/topic-router.ts';
import type { SourceKind } from '../../core/source-kind.ts';
import { readPemFile } from '../../config-secrets.ts';
import { MqttSource } from './mqtt-source.ts';

/** One MQTT source for all the site's MQTT devices, subscribed to their profiles' topics. */
export const mqttSourceKind: SourceKind = {
  kind: 'mqtt',
  async build({ site, config, telemetry }) {
    if (!site.devices.some((d) => d.profileDef.mqtt)) return [];
    const { url, clientId, username, password, caFile } = config.mqtt;
    return [new MqttSource({ url, clientId, username, password, ca: caFile === undefined ? undefined : readPemFile(caFile, 'mqtt.caFile'), subscriptions: subscriptionsFor(site) }, telemetry)];
  },
};
