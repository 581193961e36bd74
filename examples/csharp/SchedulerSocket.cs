using System;
using System.Collections.Generic;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BrSdk.ScheduleExample
{
    /// <summary>
    /// The scheduler's WebSocket channel (<c>/v1/ws</c>) over <see cref="ClientWebSocket"/>: every frame
    /// is one JSON object in a text frame. Requests carry an <c>op</c> and a <c>request_id</c> that the
    /// reply echoes; <c>{"type":"subscribe","requester_id":…}</c> starts the flow of results, each of
    /// which is confirmed with <c>{"type":"ack","cursor":…}</c> (docs/api.md, "WebSocket").
    /// </summary>
    public sealed class SchedulerSocket : IDisposable
    {
        readonly ClientWebSocket socket;

        SchedulerSocket(ClientWebSocket socket)
        {
            this.socket = socket;
        }

        /// <param name="baseUri">the sidecar's HTTP URL (http://host:port/): ws:// or wss:// is derived from it</param>
        public static async Task<SchedulerSocket> ConnectAsync(Uri baseUri, CancellationToken cancellation)
        {
            var builder = new UriBuilder(new Uri(baseUri, "v1/ws"));
            builder.Scheme = baseUri.Scheme == "https" ? "wss" : "ws";
            var socket = new ClientWebSocket();
            try
            {
                await socket.ConnectAsync(builder.Uri, cancellation);
                return new SchedulerSocket(socket);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public Task SendAsync(IDictionary<string, object> frame, CancellationToken cancellation)
        {
            var bytes = Encoding.UTF8.GetBytes(Json.Write(frame));
            return socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, cancellation);
        }

        /// <summary>The next frame, parsed (a frame may arrive in several parts: they are joined here).</summary>
        public async Task<Dictionary<string, object>> ReceiveAsync(CancellationToken cancellation)
        {
            var buffer = new byte[16 * 1024];
            using (var message = new MemoryStream())
            {
                for (;;)
                {
                    var part = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellation);
                    if (part.MessageType == WebSocketMessageType.Close)
                        throw new WebSocketException("the scheduler closed the connection: " + part.CloseStatus + " " + part.CloseStatusDescription);
                    message.Write(buffer, 0, part.Count);
                    if (part.EndOfMessage) return Json.ParseObject(Encoding.UTF8.GetString(message.ToArray()));
                }
            }
        }

        public async Task CloseAsync(CancellationToken cancellation)
        {
            if (socket.State == WebSocketState.Open)
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancellation);
        }

        public void Dispose()
        {
            socket.Dispose();
        }
    }
}
