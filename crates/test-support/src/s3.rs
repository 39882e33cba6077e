//! A real S3 API server for the object-storage tests: moto in server mode (`moto_server`,
//! installed into `.venv-tools/` by `just tools`), one per test on a free port, with a bucket
//! made through the S3 API itself. It starts in about a second and ends with the test.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helpdesk_store::files::{S3Settings, S3};

pub struct S3Server {
    child: Child,
    pub port: u16,
}

impl S3Server {
    /// Starts moto on a free port and waits until it answers.
    pub fn start() -> S3Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let program = std::env::var("HELPDESK_TEST_MOTO").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../.venv-tools/bin/moto_server"
            )
            .to_owned()
        });
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (./scripts/install-tools.sh installs it into .venv-tools)");
        let server = S3Server { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Settings for `s3://bucket/prefix` on this server (moto takes any credentials).
    pub fn settings(&self, url: &str) -> S3Settings {
        S3Settings {
            url: url.into(),
            endpoint: Some(self.endpoint()),
            region: "us-east-1".into(),
            access_key_id: "helpdesk-test".into(),
            secret_access_key: "helpdesk-test-secret".into(),
            path_style: None,
        }
    }

    /// The store of `s3://bucket/prefix`, its bucket created.
    pub fn bucket(&self, url: &str) -> S3 {
        let s3 = S3::new(&self.settings(url)).expect("usable S3 settings");
        s3.create_bucket().expect("the bucket is created");
        s3
    }

    /// Stops the server (the store becomes unreachable).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
