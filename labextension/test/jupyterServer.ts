/**
 * A real Jupyter server with the study session extension, for end-to-end
 * tests: a free port, a temporary root directory and SQLite database, and one
 * token per user (`token-<name>`), like `ss_server_config` in
 * `jupyter_studysession/pytest_plugin.py`.
 *
 * `jupyter` is taken from PATH: activate the project's venv first (as
 * `scripts/test` does).
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The token that logs in as `user`. */
export function tokenFor(user: string): string {
  return `token-${user}`;
}

export interface IStartOptions {
  /** The users who get a token. */
  users: string[];
  /** How long the server may take to answer (ms). */
  startTimeoutMs?: number;
}

/** A failed REST call, with the server's answer. */
export class HTTPError extends Error {
  constructor(
    readonly status: number,
    readonly body: string
  ) {
    super(`HTTP ${status}: ${body}`);
  }
}

/** A running server; `stop()` it in an `after` hook. */
export class JupyterServer {
  private constructor(
    private readonly _process: ChildProcess,
    private readonly _dir: string,
    private readonly _log: string[],
    readonly port: number
  ) {}

  /** `http://127.0.0.1:<port>/` */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** The server's SQLite database, for `jupyter studysession ... --db-url`. */
  get dbUrl(): string {
    return `sqlite+aiosqlite:///${path.join(this._dir, 'studysession.sqlite')}`;
  }

  /** The last lines the server logged, to explain a failure. */
  logTail(lines = 40): string {
    return this._log.slice(-lines).join('\n');
  }

  /**
   * Call `/studysession/api/<endPoint>` as `user` and return the decoded
   * JSON body.
   *
   * @throws {HTTPError} on a non-2xx answer
   */
  async fetchAs<T = unknown>(
    user: string,
    method: string,
    endPoint: string,
    body?: unknown
  ): Promise<T> {
    const response = await fetch(
      `${this.baseUrl}studysession/api/${endPoint}`,
      {
        method,
        headers: {
          Authorization: `token ${tokenFor(user)}`,
          'Content-Type': 'application/json'
        },
        body:
          body === undefined && method === 'GET'
            ? undefined
            : JSON.stringify(body ?? {})
      }
    );
    const text = await response.text();
    if (!response.ok) {
      throw new HTTPError(response.status, text);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Start a server and wait until the extension answers. */
  static async start(options: IStartOptions): Promise<JupyterServer> {
    const jupyter = findOnPath('jupyter');
    if (jupyter === null) {
      throw new Error(
        '`jupyter` is not on PATH: activate the project venv ' +
          '(`source .venv/bin/activate` in the repository) or run scripts/test.'
      );
    }
    const [firstUser] = options.users;
    if (firstUser === undefined) {
      throw new Error('Give the server at least one user.');
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studysession-test-'));
    const port = await freePort();
    const configDir = path.join(dir, 'config');
    const rootDir = path.join(dir, 'root');
    fs.mkdirSync(configDir);
    fs.mkdirSync(rootDir);
    fs.writeFileSync(
      path.join(configDir, 'jupyter_server_config.json'),
      JSON.stringify(serverConfig(options.users, port, dir, rootDir), null, 2)
    );

    const log: string[] = [];
    const child = spawn(jupyter, ['server'], {
      cwd: rootDir,
      env: {
        ...process.env,
        // only our configuration (and the environment's), not the user's
        JUPYTER_CONFIG_DIR: configDir,
        JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
        JUPYTER_DATA_DIR: path.join(dir, 'data')
      },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        log.push(...chunk.split('\n').filter(line => line.length > 0));
        log.splice(0, Math.max(0, log.length - 500));
      });
    }
    const server = new JupyterServer(child, dir, log, port);
    // a test process that dies must not leave the server behind
    process.once('exit', server._killNow);
    try {
      await server._waitUntilReady(firstUser, options.startTimeoutMs ?? 60_000);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Stop the server (SIGTERM, then SIGKILL) and remove its files. */
  async stop(): Promise<void> {
    process.removeListener('exit', this._killNow);
    const child = this._process;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>(resolve => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this._dir, { recursive: true, force: true });
  }

  private readonly _killNow = (): void => {
    this._process.kill('SIGKILL');
  };

  private async _waitUntilReady(
    user: string,
    timeoutMs: number
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const child = this._process;
    let lastProblem = 'no answer';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `jupyter server exited (${child.exitCode ?? child.signalCode}) before it answered:\n` +
            this.logTail()
        );
      }
      try {
        await this.fetchAs(user, 'GET', 'me');
        return;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      await new Promise(resolve => setTimeout(resolve, 150));
    }
    throw new Error(
      `jupyter server did not answer within ${timeoutMs} ms (${lastProblem}):\n` +
        this.logTail()
    );
  }
}

function serverConfig(
  users: string[],
  port: number,
  dir: string,
  rootDir: string
): object {
  const dbPath = path.join(dir, 'studysession.sqlite');
  return {
    ServerApp: {
      ip: '127.0.0.1',
      port,
      port_retries: 0,
      open_browser: false,
      allow_root: true,
      root_dir: rootDir,
      allow_unauthenticated_access: false,
      // a server orphaned by a killed test process goes away by itself
      shutdown_no_activity_timeout: 120,
      identity_provider_class:
        'jupyter_studysession.tokens.UserTokensIdentityProvider',
      // only what the tests need: faster to start
      jpserver_extensions: {
        jupyter_studysession: true,
        jupyter_server_terminals: false,
        jupyterlab: false,
        jupyter_lsp: false,
        notebook_shim: false
      }
    },
    UserTokensIdentityProvider: {
      user_tokens: Object.fromEntries(users.map(u => [tokenFor(u), u]))
    },
    StudySessionApp: {
      db_url: `sqlite+aiosqlite:///${dbPath}`,
      cleanup_interval_seconds: 0,
      write_limit: '1000/minute'
    }
  };
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
