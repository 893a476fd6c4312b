// The SignalR hub at /ws as a HubPort: WebSockets only, the token as access_token.
import { HttpTransportType, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import type { HubPort } from './connection';

export const signalRHub: HubPort = {
  async start(token, onMessage, onClose) {
    const connection = new HubConnectionBuilder()
      .withUrl('/ws', { transport: HttpTransportType.WebSockets, skipNegotiation: true, accessTokenFactory: () => token })
      .configureLogging(LogLevel.None)
      .build();
    connection.on('mcp_event', onMessage);
    await connection.start();
    connection.onclose(() => onClose());
    return { stop: () => connection.stop() };
  },
};
