//! Report PDFs rendered in worker processes, one per core, for a run of many reports.
//!
//! typst memoises its work in process-wide caches (comemo's, behind global locks), and the engine empties
//! them after each compile: two reports compiled by two threads of one process wait for each other's locks
//! and throw away each other's half-done work. On two cores, 16 reports took 136.5 ms each on one thread
//! and 160.8 ms each on two; two processes rendered them at about 90 ms each (docs/PERFORMANCE.md). A
//! worker is this program started again with a hidden command (the front end names it): it reads report
//! inputs from its standard input and writes the PDFs to its standard output, one at a time, until its
//! input ends. The bytes are those of [`crate::pdf::render_input`] in the calling process: the same code
//! on the same input.
//!
//! The frames are plain: a request is a count of fields and each field as a length (u64, little-endian)
//! and its bytes — the PDF's identifier, the view's JSON, then each chart's id and SVG; an answer is a
//! status byte (0 a PDF, 1 the template's error) and one field.

use crate::Error;
use crate::pdf::{ReportInput, render_input};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

const PDF: u8 = 0;
const TEMPLATE_ERROR: u8 = 1;

/// The most a field may claim (a report's view and charts are a few MB): a damaged frame fails, it does
/// not allocate.
const FIELD_MAX: u64 = 1 << 30;

fn write_field(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)
}

fn read_u64(input: &mut impl Read) -> io::Result<u64> {
    let mut n = [0u8; 8];
    input.read_exact(&mut n)?;
    Ok(u64::from_le_bytes(n))
}

fn read_field(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let len = read_u64(input)?;
    if len > FIELD_MAX {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("et felt på {len} bytes")));
    }
    let mut bytes = vec![0; len as usize];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn read_text(input: &mut impl Read) -> io::Result<String> {
    String::from_utf8(read_field(input)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes `input` as a worker reads it.
pub fn write_request(out: &mut impl Write, input: &ReportInput) -> io::Result<()> {
    out.write_all(&(2 + 2 * input.grafer.len() as u64).to_le_bytes())?;
    write_field(out, input.ident.as_bytes())?;
    write_field(out, input.data.as_bytes())?;
    for (id, svg) in &input.grafer {
        write_field(out, id.as_bytes())?;
        write_field(out, svg.as_bytes())?;
    }
    out.flush()
}

/// The next request, or `None` where the input ends between requests.
fn read_request(input: &mut impl Read) -> io::Result<Option<ReportInput>> {
    let mut n = [0u8; 8];
    match input.read(&mut n[..1])? {
        0 => return Ok(None),
        _ => input.read_exact(&mut n[1..])?,
    }
    let fields = u64::from_le_bytes(n);
    if !(2..=FIELD_MAX).contains(&fields) || fields % 2 != 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("en forespørgsel med {fields} felter")));
    }
    let (ident, data) = (read_text(input)?, read_text(input)?);
    let grafer = (1..fields / 2).map(|_| Ok((read_text(input)?, read_text(input)?))).collect::<io::Result<_>>()?;
    Ok(Some(ReportInput { ident, data, grafer, noegle: String::new() }))
}

/// A worker's loop: renders each report input read from `input` and writes its PDF (or the template's
/// error) to `output`, until `input` ends.
pub fn serve(input: impl Read, output: impl Write) -> io::Result<()> {
    let (mut input, mut output) = (BufReader::new(input), BufWriter::new(output));
    while let Some(request) = read_request(&mut input)? {
        // The fault tests' hook: a worker that dies with a report in hand (`GODKEND_AFBRYD=tegn-pdf`).
        godkend_store::crash_point("tegn-pdf");
        match render_input(request) {
            Ok(pdf) => {
                output.write_all(&[PDF])?;
                write_field(&mut output, &pdf)?;
            }
            Err(e) => {
                let message = match e {
                    Error::Template { message, .. } => message,
                    other => other.to_string(),
                };
                output.write_all(&[TEMPLATE_ERROR])?;
                write_field(&mut output, message.as_bytes())?;
            }
        }
        output.flush()?;
    }
    Ok(())
}

/// One worker process.
struct Worker {
    child: Child,
    to: BufWriter<ChildStdin>,
    from: BufReader<ChildStdout>,
}

impl Worker {
    fn start(mut command: Command) -> io::Result<Worker> {
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
        let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("arbejdsprocessen fik ingen standardind- eller -udgang"));
        };
        Ok(Worker { child, to: BufWriter::with_capacity(1 << 20, to), from: BufReader::new(from) })
    }

    /// The PDF, or the template's error; `Err` if the worker failed (it is then not used again).
    fn render(&mut self, input: &ReportInput) -> io::Result<Result<Vec<u8>, String>> {
        write_request(&mut self.to, input)?;
        let mut status = [0u8; 1];
        self.from.read_exact(&mut status)?;
        let field = read_field(&mut self.from)?;
        match status[0] {
            PDF => Ok(Ok(field)),
            TEMPLATE_ERROR => Ok(Err(String::from_utf8_lossy(&field).into_owned())),
            other => Err(io::Error::new(io::ErrorKind::InvalidData, format!("ukendt svar {other}"))),
        }
    }

    /// Ends the worker: its input closed, so it leaves its loop; killed if it has failed.
    fn stop(self, failed: bool) {
        let Worker { mut child, to, from } = self;
        drop(to);
        drop(from);
        if failed {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

/// Workers for the reports of a run: as many are started as reports are rendered at once, each on first
/// need, and one that fails is stopped and replaced at the next report.
pub struct Pool {
    command: Box<dyn Fn() -> Command + Send + Sync>,
    idle: Mutex<Vec<Worker>>,
}

impl Pool {
    /// `command` starts a worker: a process that runs [`serve`] on its standard input and output.
    pub fn new(command: impl Fn() -> Command + Send + Sync + 'static) -> Pool {
        Pool { command: Box::new(command), idle: Mutex::new(Vec::new()) }
    }

    /// Renders `input` in an idle worker (started if none is idle).
    pub fn render(&self, input: ReportInput) -> Result<Vec<u8>, Error> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let failed = |e: io::Error| Error::Worker { ident: input.ident.clone(), message: e.to_string() };
        let mut worker = match idle {
            Some(w) => w,
            None => Worker::start((self.command)()).map_err(failed)?,
        };
        match worker.render(&input) {
            Ok(answer) => {
                self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(worker);
                answer.map_err(|message| Error::Template { template: "godkendelsesrapport.typ", message })
            }
            Err(e) => {
                worker.stop(true);
                Err(failed(e))
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for worker in self.idle.get_mut().unwrap_or_else(|p| p.into_inner()).drain(..) {
            worker.stop(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ReportInput {
        ReportInput {
            ident: "godkend-825-2025".into(),
            data: "{\"a\": 1}".into(),
            grafer: vec![("1.1".into(), "<svg/>".into()), ("æ".into(), String::new())],
            noegle: String::new(),
        }
    }

    #[test]
    fn a_request_reads_back_as_written() {
        let mut bytes = Vec::new();
        write_request(&mut bytes, &input()).unwrap();
        write_request(&mut bytes, &input()).unwrap();
        let mut read = bytes.as_slice();
        assert_eq!(read_request(&mut read).unwrap(), Some(input()));
        assert_eq!(read_request(&mut read).unwrap(), Some(input()));
        assert_eq!(read_request(&mut read).unwrap(), None);
    }

    #[test]
    fn a_cut_or_damaged_request_is_an_error_not_an_allocation() {
        let mut bytes = Vec::new();
        write_request(&mut bytes, &input()).unwrap();
        for cut in 1..bytes.len() {
            assert!(read_request(&mut &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge = 2u64.to_le_bytes().to_vec();
        huge.extend(u64::MAX.to_le_bytes());
        assert!(read_request(&mut huge.as_slice()).is_err());
        assert!(read_request(&mut 3u64.to_le_bytes().as_slice()).is_err());
    }

    /// A worker that dies is an error naming the report, and the pool starts another for the next one.
    #[test]
    fn a_worker_that_dies_fails_its_report_and_is_replaced() {
        let started = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = started.clone();
        let pool = Pool::new(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut c = Command::new("sh");
            c.args(["-c", "head -c 1 >/dev/null; exit 3"]);
            c
        });
        for _ in 0..2 {
            match pool.render(input()) {
                Err(Error::Worker { ident, .. }) => assert_eq!(ident, "godkend-825-2025"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(started.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn a_template_error_comes_back_as_the_template_error() {
        let (mut request, mut answer) = (Vec::new(), Vec::new());
        let mut bad = input();
        bad.data = "not json".into();
        write_request(&mut request, &bad).unwrap();
        serve(request.as_slice(), &mut answer).unwrap();
        assert_eq!(answer[0], TEMPLATE_ERROR);
        let message = String::from_utf8(read_field(&mut &answer[1..]).unwrap()).unwrap();
        assert!(message.contains("failed to parse JSON"), "{message}");
    }
}
