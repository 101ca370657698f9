//! A minimal HTTP/1.1 client for the emulator's control surface (`/_emulator/...`): mint a
//! client access URL, drop a connection abruptly. One request per TCP connection, as the
//! other contenders' HTTP clients do it.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `http://host:port` of the emulator.
#[derive(Debug, Clone)]
pub struct Control {
    host_port: String,
}

impl Control {
    pub fn new(endpoint: &str) -> Control {
        let host_port = endpoint.trim_start_matches("http://").trim_end_matches('/').to_string();
        Control { host_port }
    }

    async fn request(&self, method: &str, path: &str) -> Result<Value, String> {
        let mut stream = TcpStream::connect(&self.host_port).await.map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.host_port
        );
        stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&response);
        let (head, body) = text.split_once("\r\n\r\n").ok_or("malformed HTTP response")?;
        if !head.starts_with("HTTP/1.1 200") {
            return Err(format!("{method} {path}: {}", head.lines().next().unwrap_or("")));
        }
        serde_json::from_str(body).map_err(|e| format!("{method} {path}: {e}"))
    }

    /// A client access URL of `user` in `hub` with roles to join and publish to any group.
    pub async fn client_access_url(&self, hub: &str, user: &str) -> Result<String, String> {
        let path = format!(
            "/_emulator/client-access-url?hub={hub}&userId={user}&role=webpubsub.joinLeaveGroup&role=webpubsub.sendToGroup"
        );
        let v = self.request("GET", &path).await?;
        v["url"].as_str().map(str::to_string).ok_or_else(|| "no url in the answer".into())
    }

    /// Drops a connection abruptly (TCP reset), as a network failure would.
    pub async fn drop_connection(&self, connection_id: &str) -> Result<(), String> {
        self.request("POST", &format!("/_emulator/connections/{connection_id}/drop")).await.map(|_| ())
    }
}
