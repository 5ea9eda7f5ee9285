// The portal in a real browser (Debian's chromium, driven by playwright-core), as its users use it:
// a municipality's godkender logs in, reads a mark and its cases, comments it, writes to DST, answers
// the rest and approves; another municipality's user cannot reach the first's data; DST sees the
// approval in the status and regenerates the report. axe-core scans every page visited; a serious or
// critical violation fails the test. Screenshots go to the folder given.
//
// node portal.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const [base, shots] = process.argv.slice(2);
const PASSWORD = 'demo-kodeord-2025';
const COMMENT = 'Faldet skyldes et systemskifte i oktober; sagerne er genindberettet i januar.';
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  console.log(`${ok ? 'ok  ' : 'FEJL'} ${what}`);
}

const scanned = new Set();
async function axe(page, name) {
  // axe is injected by the test, not served by the portal (whose CSP allows no script).
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) console.log(`  axe ${v.impact}: ${v.id} – ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  check(bad.length === 0, `axe: ${name} uden alvorlige eller kritiske fejl (${result.violations.length} i alt)`);
  scanned.add(name);
}

// A form submit or link that loads a new page: wait for it.
async function nav(page, action) {
  await Promise.all([page.waitForNavigation(), action]);
}

async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

async function login(email) {
  const context = await browser.newContext({ locale: 'da-DK', viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('E-mailadresse').fill(email);
  await page.getByLabel('Kodeord').fill(PASSWORD);
  await nav(page, page.getByRole('button', { name: 'Log ind' }).click());
  return { context, page };
}

try {
  // The login page, then a wrong password: the error summary.
  {
    const context = await browser.newContext({ locale: 'da-DK' });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await axe(page, 'login');
    await page.getByLabel('E-mailadresse').fill('godkender@101.demo.dk');
    await page.getByLabel('Kodeord').fill('forkert-kodeord');
    await nav(page, page.keyboard.press('Enter'));
    check(await page.getByRole('alert').isVisible(), 'forkert kodeord giver en fejlopsummering');
    await axe(page, 'login med fejl');
    await context.close();
  }

  // A new account's one-time link (made by `godkend bruger tilfoej` in the Rust test): choose a password.
  if (process.env.AKTIVER_STI) {
    const context = await browser.newContext({ locale: 'da-DK' });
    const page = await context.newPage();
    await page.goto(base + process.env.AKTIVER_STI);
    await axe(page, 'vælg kodeord');
    await page.getByLabel(/Nyt kodeord/).fill('et nyt og langt kodeord');
    await nav(page, page.getByRole('button', { name: 'Gem kodeord' }).click());
    check(page.url().endsWith('/login'), 'kodeordet er gemt; videre til login');
    await context.close();
  }

  const { context, page } = await login('godkender@101.demo.dk');
  check(page.url().endsWith('/kommune/101'), `efter login: kommunens forside (${page.url()})`);
  check((await page.locator('h1').textContent()).includes('København'), 'forsiden er Københavns');
  await shot(page, '1-kommune-forside');
  await axe(page, 'forside');

  // The report: Table 1 and the charts.
  await nav(page, page.getByRole('link', { name: 'Rapport', exact: true }).click());
  check(await page.getByRole('table', { name: /Voksne/ }).isVisible(), 'tabel 1 vises');
  const charts = await page.locator('figure img').count();
  check(charts > 0, `graferne vises (${charts})`);
  const loaded = await page.locator('figure img').first().evaluate((img) => img.complete && img.naturalWidth > 0);
  check(loaded, 'den første graf er indlæst (SVG)');
  await axe(page, 'rapport');

  // A mark with its cases, comment it, write to DST.
  const markLinks = page.locator('table.tabel a[href*="/markering/"]');
  const marks = [];
  for (let i = 0; i < await markLinks.count(); i++) marks.push(await markLinks.nth(i).getAttribute('href'));
  check(marks.length >= 2, `markeringer at besvare: ${marks.length}`);
  let withCases = null;
  for (const href of marks) {
    await page.goto(base + href);
    if (await page.locator('table caption', { hasText: 'Sager bag markeringen' }).count()) { withCases = href; break; }
  }
  check(withCases !== null, 'en markering med sager bag');
  const rows = await page.locator('table:has(caption:has-text("Sager bag")) tbody tr').count();
  check(rows === 50, `første side viser 50 sager (${rows})`);
  await nav(page, page.getByRole('link', { name: 'Næste side' }).click());
  const rows2 = await page.locator('table:has(caption:has-text("Sager bag")) tbody tr').count();
  check(rows2 > 0 && rows2 <= 50, `anden side viser resten (${rows2})`);
  check(!/\d{6}-?\d{4}/.test(await page.locator('main').innerText()), 'ingen CPR-lignende tal på siden');
  // An empty comment: the error is shown and tied to its field. (required is lifted to let it reach the server.)
  await page.locator('#tekst-kommentar').evaluate((t) => t.removeAttribute('required'));
  await nav(page, page.getByRole('button', { name: 'Gem kommentar' }).click());
  check(await page.getByRole('alert').isVisible(), 'tom kommentar giver fejlopsummering');
  check((await page.locator('#tekst-kommentar').getAttribute('aria-invalid')) === 'true', 'feltet er markeret ugyldigt');
  await axe(page, 'markering med fejl');
  // Keyboard only: focus the field by its label's link in the summary, type, submit with the keyboard.
  await page.getByRole('alert').getByRole('link').first().focus();
  await page.keyboard.press('Enter');
  await page.locator('#tekst-kommentar').focus();
  await page.keyboard.type(COMMENT);
  await page.locator('#tekst-kommentar').press('Tab');
  await nav(page, page.keyboard.press('Enter'));
  check((await page.locator('blockquote.kommentar').textContent()).includes('systemskifte'), 'kommentaren er gemt og vises');
  await page.getByLabel('Skriv til Danmarks Statistik om markeringen').fill('Kan I bekræfte, at genindberetningen er modtaget?');
  await nav(page, page.getByRole('button', { name: 'Send besked' }).click());
  check(await page.locator('ol.traad li', { hasText: 'genindberetningen' }).isVisible(), 'beskeden står i tråden');
  await shot(page, '2-markering-med-sager-og-traad');
  await axe(page, 'markering');

  // A comments file uploaded from the report page (the same reader as --comments).
  await page.goto(`${base}/kommune/101/rapport`);
  await page.getByLabel(/Indsend kommentarer fra regnearket/).setInputFiles({
    name: '101-svar.csv', mimeType: 'text/csv',
    buffer: Buffer.from(`id;kommentar\n${withCases.split('/').pop()};${COMMENT}\n101-2025K9-V-1.1-KK;findes ikke\n`),
  });
  await nav(page, page.getByRole('button', { name: 'Indsend regnearket' }).click());
  check((await page.locator('main').innerText()).includes('passer ikke til nogen markering'), 'uploadet fil: linjen uden markering nævnes');
  await axe(page, 'regneark modtaget');

  // The rest of the marks, then approve.
  for (const href of marks.filter((h) => h !== withCases)) {
    await page.goto(base + href);
    await page.locator('#tekst-kommentar').fill('Ydelsen er flyttet til en anden paragraf fra 2025.');
    await nav(page, page.getByRole('button', { name: 'Gem kommentar' }).click());
  }
  await nav(page, page.getByRole('link', { name: 'Godkend', exact: true }).click());
  await axe(page, 'godkend');
  await page.getByLabel('Navn og titel').fill('Jens Hansen, kontorchef');
  await page.getByLabel(/Jeg bekræfter/).check();
  await nav(page, page.getByRole('button', { name: /Godkend data/ }).click());
  check(page.url().endsWith('/kommune/101/godkendt'), 'godkendelsen giver en kvittering');
  check((await page.locator('main').innerText()).includes('Jens Hansen, kontorchef'), 'kvitteringen nævner hvem');
  await shot(page, '3-kvittering-for-godkendelse');
  await axe(page, 'kvittering');
  for (const [name, path] of [['beskeder', '/kommune/101/beskeder'], ['leveringer', '/kommune/101/leveringer']]) {
    await page.goto(base + path);
    await axe(page, name);
  }
  // Alle data: filter, then reconcile an extract with one case DST does not have.
  await page.goto(`${base}/kommune/101/data`);
  await axe(page, 'alle data');
  await page.getByLabel('Ydelse', { exact: true }).selectOption('1.1');
  await nav(page, page.getByRole('button', { name: 'Vis' }).click());
  check(page.url().includes('ydelse=1.1'), 'filtret på ydelse');
  await page.getByLabel(/Udtræk fra fagsystemet/).setInputFiles({
    name: 'udtraek.csv', mimeType: 'text/csv', buffer: Buffer.from('sagsid;ydelse;startdato;slutdato\nKUN-HER-1;1.1;2025-01-01;\n'),
  });
  await nav(page, page.getByRole('button', { name: 'Sammenlign' }).click());
  check((await page.locator('main').innerText()).includes('kun i kommunens udtræk'), 'afstemningen viser forskellene');
  await shot(page, '5-afstemning');
  await axe(page, 'afstemning');
  // Manual entry: one case that the checks reject (shown beside its field), one that passes, submitted.
  await page.goto(`${base}/kommune/101/indtastning?maaned=2025-11`);
  await axe(page, 'indtastning');
  const fill = async (sagsid, cpr, start) => {
    await page.getByLabel('Sagsid', { exact: true }).fill(sagsid);
    await page.getByLabel(/^CPR-nummer/).fill(cpr);
    await page.getByLabel('Ydelse', { exact: true }).selectOption('1.1');
    await page.getByLabel(/^Målgruppe/).fill('1');
    await page.getByLabel(/^Startdato/).fill(start);
    await nav(page, page.getByRole('button', { name: 'Gem og kontrollér sagen' }).click());
  };
  await fill('MAN-1', '3213901234', '2025-11-03');
  check(await page.getByRole('alert').isVisible(), 'indtastning: ugyldigt CPR giver fejlopsummering');
  check((await page.locator('#ny-cpr').getAttribute('aria-invalid')) === 'true', 'indtastning: CPR-feltet er markeret');
  check((await page.locator('#ny-cpr').inputValue()) === '', 'indtastning: CPR skrives ikke tilbage');
  await axe(page, 'indtastning med fejl');
  await fill('MAN-1', '0101901234', '2025-11-03');
  check((await page.locator('main').innerText()).includes('010190-••••'), 'indtastning: CPR vises kun som fødselsdato');
  check(!(await page.content()).includes('0101901234'), 'indtastning: det fulde CPR står ingen steder på siden');
  await shot(page, '6-indtastning');
  await nav(page, page.getByRole('button', { name: /Indsend kladden/ }).click());
  check(page.url().includes('/leveringer/101_2025-11_'), `indtastning: indsendt som levering (${page.url()})`);
  await axe(page, 'kvittering for indtastning');

  // A correction of a closed year: find a case by sagsid, end it, with a reason.
  await page.goto(`${base}/kommune/101/data?ydelse=1.1`);
  const sagsid = (await page.locator('table.tabel tbody tr td').first().innerText()).trim();
  await page.goto(`${base}/kommune/101/rettelser`);
  await axe(page, 'rettelser');
  await page.getByLabel('Sagsid', { exact: true }).fill(sagsid);
  await nav(page, page.getByRole('button', { name: 'Find sagen' }).click());
  check(await page.getByRole('heading', { name: `Sag ${sagsid}` }).isVisible(), `rettelser: sagen ${sagsid} er fundet`);
  await page.getByLabel(/^Slutdato/).fill('2025-06-30');
  await page.getByLabel(/^Systemskifte/).check();
  await page.getByLabel('Begrundelse').fill('Sagen blev lukket i det gamle system, men ophøret kom aldrig med.');
  await shot(page, '7-rettelse');
  await axe(page, 'rettelse udfyldt');
  await nav(page, page.getByRole('button', { name: 'Gem rettelsen' }).click());
  check(page.url().includes('/leveringer/101_'), `rettelser: gemt som levering (${page.url()})`);

  await page.goto(`${base}/kommune/101/leveringer`);
  const receipt = page.locator('a[href*="/leveringer/"]').first();
  await nav(page, receipt.click());
  await axe(page, 'kvittering for levering');
  await context.close();

  // Another municipality's user: 101's pages do not exist for them.
  {
    const { context, page } = await login('godkender@183.demo.dk');
    check(page.url().endsWith('/kommune/183'), 'Ishøj lander på sin egen forside');
    for (const path of ['/kommune/101', withCases, '/kommune/101/rapport', '/status']) {
      const response = await page.goto(base + path);
      check(response.status() === 404, `Ishøj får 404 for ${path} (${response.status()})`);
    }
    // A download is fetched with the browser's own cookies, not opened as a page.
    const pdf = await context.request.get(`${base}/kommune/101/filer/rapport.pdf`);
    check(pdf.status() === 404, `Ishøj får 404 for Københavns PDF (${pdf.status()})`);
    const own = await context.request.get(`${base}/kommune/183/filer/rapport.pdf`);
    check(own.status() === 200 && own.headers()['content-type'] === 'application/pdf', `Ishøj henter sin egen PDF (${own.status()})`);
    await page.goto(`${base}/kommune/101`);
    check(!(await page.locator('main').innerText()).includes('København'), '404-siden nævner ikke København');
    await axe(page, 'ikke fundet');
    await context.close();
  }

  // DST: the approval in the live status, then the report regenerated with the comment.
  {
    const { context, page } = await login('dst@dst.demo.dk');
    check(page.url().endsWith('/status'), 'DST lander på landsstatus');
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'København', exact: true }) });
    check((await row.innerText()).includes('godkendt'), 'København står som godkendt i status');
    await shot(page, '4-dst-landsstatus');
    await axe(page, 'landsstatus');
    await nav(page, row.getByRole('button', { name: 'Dan rapporten igen for København' }).click());
    check(page.url().endsWith('/kommune/101/rapport'), 'efter genskabelse: rapporten');
    await page.goto(`${base}/kommune/101/revision`);
    check((await page.locator('main').innerText()).includes('rapport_genskabt'), 'genskabelsen står i revisionsloggen');
    check((await page.locator('main').innerText()).includes('rettelse'), 'rettelsen står i revisionsloggen');
    check((await page.locator('main').innerText()).includes('manuel_levering'), 'indtastningen står i revisionsloggen');
    await shot(page, '8-revisionslog');
    await axe(page, 'revisionslog');
    await page.goto(base + withCases);
    await nav(page, page.getByRole('button', { name: 'Acceptér kommentaren' }).click());
    check((await page.locator('main').innerText()).includes('accepteret af Danmarks Statistik'), 'DST accepterer kommentaren');
    await page.getByLabel('Svar kommunen').fill('Ja, genindberetningen er modtaget.');
    await nav(page, page.getByRole('button', { name: 'Send besked' }).click());
    check(await page.locator('ol.traad li.fra-dst').isVisible(), 'DSTs svar står i tråden');
    await context.close();
  }
} catch (e) {
  failures.push(`undtagelse: ${e.stack || e}`);
  console.log(e);
} finally {
  await browser.close();
}
console.log(`sider scannet med axe: ${[...scanned].join(', ')}`);
if (failures.length) {
  console.log(`${failures.length} fejl:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log('alt i orden');
