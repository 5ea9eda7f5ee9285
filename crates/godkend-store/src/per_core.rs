//! Jobs that read or write the store's Parquet, one per core at a time, on plain threads.
//!
//! polars reads and writes Parquet on its own rayon pool. A worker of rayon's global pool that waits
//! for it does not sleep: it takes further jobs of its own pool meanwhile, so a `par_iter` over
//! municipalities whose jobs read or write case files ran many of them at once on one thread, each
//! holding its cases (the ingest's peak was 1.35 GB at national scale and 12.2 GB at ten times,
//! docs/PERFORMANCE.md). A plain thread that waits just waits.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The stack of each thread: that of the CLI's rayon workers, on which these jobs ran before.
const STACK: usize = 16 << 20;

/// Runs `job` on every item, as many at once as rayon has threads (the calling thread is one of
/// them), and returns the results in the items' order. After the first error no further job
/// starts; the error of the first failed item is returned once the running jobs have finished. A
/// panicking job panics the caller.
pub fn per_core<T, R, E>(items: Vec<T>, job: impl Fn(T) -> Result<R, E> + Sync) -> Result<Vec<R>, E>
where
    T: Send,
    R: Send,
    E: Send,
{
    let order = (0..items.len()).collect();
    scheduled(items, order, job)
}

/// [`per_core`] with the heaviest items (`weight`: the bytes a job reads, say) started first and the
/// results still in the items' order: in code order a large municipality near the end can be the last job
/// and keep one core busy alone; started first, the small ones fill in around it (docs/PERFORMANCE.md,
/// "Eleventh round").
pub fn per_core_heaviest_first<T, R, E>(
    items: Vec<T>,
    weight: impl Fn(&T) -> u64,
    job: impl Fn(T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Send,
    R: Send,
    E: Send,
{
    let weights: Vec<u64> = items.iter().map(weight).collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Stable: items of equal weight start in their own order.
    order.sort_by_key(|&i| std::cmp::Reverse(weights[i]));
    scheduled(items, order, job)
}

/// The items started in `order` (a permutation of their positions), the results in the items' order.
fn scheduled<T, R, E>(items: Vec<T>, order: Vec<usize>, job: impl Fn(T) -> Result<R, E> + Sync) -> Result<Vec<R>, E>
where
    T: Send,
    R: Send,
    E: Send,
{
    let threads = rayon::current_num_threads().clamp(1, items.len().max(1));
    // Each item is taken by the one thread that draws its number.
    let items: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
            let item = items[i].lock().unwrap_or_else(|p| p.into_inner()).take().expect("each number is drawn once");
            let result = job(item);
            failed.fetch_or(result.is_err(), Ordering::Relaxed);
            done.push((i, result));
        }
        done
    };
    let mut done = std::thread::scope(|scope| {
        // A thread that cannot be started leaves its share to the others.
        let others: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().stack_size(STACK).spawn_scoped(scope, work).ok())
            .collect();
        let mut done = work();
        for thread in others {
            done.extend(thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        done
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// [`per_core`] for jobs that cannot fail (each result says how its item went).
pub fn each_per_core<T: Send, R: Send>(items: Vec<T>, job: impl Fn(T) -> R + Sync) -> Vec<R> {
    match per_core(items, |t| Ok::<_, std::convert::Infallible>(job(t))) {
        Ok(done) => done,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_order_and_the_first_error() {
        let items = || (0..50).collect::<Vec<u32>>();
        assert_eq!(per_core(items(), |i| Ok::<_, ()>(i * 2)).unwrap(), (0..50).map(|i| i * 2).collect::<Vec<_>>());
        let failed = per_core(items(), |i| if i % 7 == 3 { Err(i) } else { Ok(i) });
        assert_eq!(failed, Err(3));
        assert_eq!(per_core(Vec::<u32>::new(), Ok::<_, ()>).unwrap(), Vec::<u32>::new());
    }

    /// The heaviest start first, whatever their place; the results come back in the items' order; after
    /// a failure nothing further starts (one thread, so that the order is the drawing's).
    #[test]
    fn the_heaviest_start_first_and_come_back_in_place() {
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let started = Mutex::new(Vec::new());
        let weights = [3u64, 90, 1, 90, 40, 7];
        let done = one.install(|| {
            per_core_heaviest_first(
                (0..weights.len()).collect(),
                |&i| weights[i],
                |i| {
                    started.lock().unwrap().push(i);
                    Ok::<_, ()>(i * 10)
                },
            )
        });
        assert_eq!(done.unwrap(), vec![0, 10, 20, 30, 40, 50]);
        assert_eq!(started.into_inner().unwrap(), [1, 3, 4, 5, 0, 2]);

        let started = Mutex::new(Vec::new());
        let failed = one.install(|| {
            per_core_heaviest_first(
                vec![1u64, 5, 2],
                |&w| w,
                |w| {
                    started.lock().unwrap().push(w);
                    if w == 5 { Ok(w) } else { Err(w) }
                },
            )
        });
        assert_eq!(failed, Err(2));
        assert_eq!(started.into_inner().unwrap(), [5, 2], "nothing starts after the failure");
    }

    /// The bug this replaces: jobs that wait for another rayon pool (as polars' Parquet reading and
    /// writing do) never run more at once than there are threads. With `par_iter` they did.
    #[test]
    fn a_job_waiting_for_another_pool_does_not_start_another() {
        let other = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        per_core((0..24).collect::<Vec<u64>>(), |i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            other.install(|| std::thread::sleep(std::time::Duration::from_millis(5 + i % 3)));
            running.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, ()>(())
        })
        .unwrap();
        assert!(most.load(Ordering::SeqCst) <= rayon::current_num_threads(), "{most:?} jobs at once");
    }
}
