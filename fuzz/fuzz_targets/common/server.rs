//! A loopback HTTP server for the targets that collect a live source: it answers every
//! request from the bodies the current input gives, one connection at a time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::time::Duration;

/// The statuses a body may ask for with a first line `status NNN`: the collectors'
/// answers to each differ, and none of them is retried (a retry's backoff would slow
/// every run).
const STATUSES: [&str; 6] = [
    "200 OK",
    "400 Bad Request",
    "401 Unauthorized",
    "403 Forbidden",
    "404 Not Found",
    "500 Internal Server Error",
];

/// Which body answers a request: from its target (path and query) and the input's
/// bodies; None is a 404.
pub type Route = fn(&str, &[String]) -> Option<String>;

/// What a target that collects a live source holds, made once per process.
pub struct Live {
    pub server: Server,
    pub collector: crate::collected::Collector,
}

impl Live {
    /// Sets the environment's variables (the credentials the config names), then starts
    /// the server.
    pub fn start(vars: &[(&str, &str)], route: Route) -> Live {
        for (name, value) in vars {
            // SAFETY: called once, before the runtime or any other thread of this
            // process.
            unsafe { std::env::set_var(name, value) };
        }
        Live {
            server: Server::start(route),
            collector: crate::collected::Collector::new(),
        }
    }
}

pub struct Server {
    /// The bodies the server answers with now.
    bodies: &'static Mutex<Vec<String>>,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Server {
    pub fn start(route: Route) -> Server {
        let bodies: &'static Mutex<Vec<String>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // One connection at a time: every answer is ready at once.
                let _ = answer(stream, bodies, route);
            }
        });
        Server { bodies, base }
    }

    /// The bodies to answer with from now on.
    pub fn set(&self, bodies: Vec<String>) {
        *self.bodies.lock().expect("the bodies") = bodies;
    }
}

/// The first body whose endpoint the target begins with (`endpoints` in the order of
/// the bodies).
pub fn by_prefix<'a>(
    target: &str,
    endpoints: impl IntoIterator<Item = &'a str>,
    bodies: &[String],
) -> Option<String> {
    endpoints
        .into_iter()
        .position(|p| target.starts_with(p))
        .and_then(|i| bodies.get(i).cloned())
}

/// Reads one request (head and body) and answers it, closing after.
fn answer(stream: TcpStream, bodies: &Mutex<Vec<String>>, route: Route) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream);
    let mut target = String::new();
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if target.is_empty() {
            target = l.split(' ').nth(1).unwrap_or_default().to_string();
        } else if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    // The request's body is read so that closing does not reset the connection under
    // the answer.
    let mut form = vec![0; length];
    reader.read_exact(&mut form)?;
    let body = route(&target, &bodies.lock().expect("the bodies"));
    let mut stream = reader.into_inner();
    let (status, body) = match &body {
        Some(b) => served(b),
        None => ("404 Not Found", ""),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

/// The status and body an input part is answered with.
pub fn served(part: &str) -> (&'static str, &str) {
    part.strip_prefix("status ")
        .and_then(|r| r.split_once('\n'))
        .and_then(|(code, rest)| {
            let status = STATUSES
                .iter()
                .find(|s| s.split(' ').next() == Some(code))?;
            Some((*status, rest))
        })
        .unwrap_or(("200 OK", part))
}
