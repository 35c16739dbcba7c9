import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildElksApp } from './elks/app';
import { type ElksControl, createElksControl } from './elks/control';
import { createElksContext } from './elks/state';
import { buildOpenAiApp } from './openai/app';
import { type RealtimeControl, createRealtimeEndpoint, createTlsServer } from './openai/realtime/server';
import { type OpenAiFaults, type OpenAiFaultsInput, OpenAiFaultsBody, createOpenAiContext, openAiStats } from './openai/state';
import { type ResolvedOptions, type SimulatorOptions, resolveOptions } from './options';
import { createScheduler } from './shared/clock';
import { closeServer, listen, portOf } from './shared/http';

export type { CallPredicate, ElksControl, ElksFaultsInput } from './elks/control';
export type { PersonaName } from './elks/personas/types';
export { PERSONAS } from './elks/personas/types';
export type { CallState, ElksFaults } from './elks/state';
export type { CallView } from './elks/views';
export type { OpenAiFaults, OpenAiFaultsInput } from './openai/state';
export type { RealtimeControl } from './openai/realtime/server';
export type { RealtimeFaults, RealtimeFaultsInput, RealtimeStats } from './openai/realtime/state';
export type { SimulatorOptions } from './options';
export { buildWav, parseWav } from './audio/wav';
export { buildMp3, parseMp3 } from './audio/mp3';
export { inspectAudio } from './audio/sniff';
export { createRng, type Rng } from './shared/prng';

export interface OpenAiControl {
  setFaults(faults: OpenAiFaultsInput): OpenAiFaults;
  stats(): ReturnType<typeof openAiStats>;
  /** The Realtime WebSocket endpoint (`/v1/realtime`): fault knobs and counters. */
  realtime: RealtimeControl;
}

export interface Simulators {
  /** `http://127.0.0.1:<port>/a1`: the backend's ELKS_API_URL. */
  elksUrl: string;
  /** `http://127.0.0.1:<port>/v1`: the backend's OPENAI_BASE_URL. */
  openaiUrl: string;
  /** `https://127.0.0.1:<port>/v1` when the `openaiTls` option is set (the SDK's realtime client needs wss://). */
  openaiTlsUrl?: string;
  elks: ElksControl;
  openai: OpenAiControl;
  options: Readonly<ResolvedOptions>;
  /** Closes both servers and cancels every simulated call and timer. */
  stop(): Promise<void>;
}

/** Starts the 46elks and OpenAI simulators (see README.md for the behaviour they model). */
export const startSimulators = async (input: SimulatorOptions = {}): Promise<Simulators> => {
  const opts = resolveOptions(input);
  const scheduler = createScheduler(opts.timeScale);
  const elksCtx = createElksContext(opts, scheduler);
  const elks = createElksControl(elksCtx);
  const openaiCtx = createOpenAiContext(opts, scheduler);
  const realtime = createRealtimeEndpoint(openaiCtx);
  const openaiApp = realtime.withControlRoutes(buildOpenAiApp(openaiCtx));
  const servers: Server[] = [];
  let tlsServer: Server | undefined;
  try {
    servers.push(await listen(buildElksApp(elksCtx, elks), opts.elksPort, opts.host));
    servers.push(await listen(openaiApp, opts.openaiPort, opts.host));
    realtime.attach(servers[1] as Server);
    if (opts.openaiTls) {
      const tls = createTlsServer(openaiApp, realtime, opts.openaiTls);
      await new Promise<void>((resolve, reject) => tls.once('error', reject).listen(opts.openaiTlsPort, opts.host, resolve));
      tlsServer = tls;
      servers.push(tls);
    }
  } catch (err) {
    scheduler.stop();
    realtime.close();
    await Promise.all(servers.map(closeServer));
    throw err;
  }
  const [elksServer, openaiServer] = servers as [Server, Server];
  const urlHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const elksUrl = `http://${urlHost}:${portOf(elksServer)}/a1`;
  const openaiUrl = `http://${urlHost}:${portOf(openaiServer)}/v1`;
  const openaiTlsUrl = tlsServer ? `https://${urlHost}:${(tlsServer.address() as AddressInfo).port}/v1` : undefined;
  elksCtx.baseUrl = elksUrl;
  let stopping: Promise<void> | null = null;
  const { rejectWaiters, ...elksControl } = elks;
  return {
    elksUrl,
    openaiUrl,
    openaiTlsUrl,
    elks: elksControl,
    openai: {
      setFaults: (faults) => {
        Object.assign(openaiCtx.faults, OpenAiFaultsBody.parse(faults));
        return { ...openaiCtx.faults };
      },
      stats: () => openAiStats(openaiCtx),
      realtime: realtime.control,
    },
    options: opts,
    stop: () => {
      stopping ??= (async () => {
        scheduler.stop();
        rejectWaiters(new Error('simulator stopped'));
        realtime.close();
        await Promise.all(servers.map(closeServer));
      })();
      return stopping;
    },
  };
};
