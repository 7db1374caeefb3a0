import type { Server } from 'node:http';

/** Closes an HTTP server now: keep-alive connections are dropped instead of holding the close until they time out. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve, reject) => {
    server.close((error) => {
      // Closing a server that is not listening is not an error for a shutdown.
      if (error !== undefined && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
      else resolve();
    });
  });
}
