// Finding Chinese words with the book's search box.
//
// mdBook's search index (elasticlunr) keeps only ASCII letters and digits of each word, so the
// tutorial's words, 进程 (process), 线程 (thread), 协程 (coroutine), are in no index entry and a
// query in Chinese would find nothing. Each entry does keep its section's whole text (for the
// teaser under a result), so a query that holds a CJK character is answered here instead: every
// section whose title, text or breadcrumbs contain each of the query's words, the most mentions
// first. Any other query goes to elasticlunr unchanged.
(function () {
    'use strict';
    if (typeof elasticlunr === 'undefined') {
        return;
    }
    const cjk = /[\u3400-\u9fff\uf900-\ufaff]/;
    const ascii = elasticlunr.Index.prototype.search;

    function count(haystack, needle) {
        let n = 0;
        for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
            n += 1;
        }
        return n;
    }

    elasticlunr.Index.prototype.search = function (query, config) {
        if (typeof query !== 'string' || !cjk.test(query)) {
            return ascii.call(this, query, config);
        }
        const words = query.toLowerCase().split(/\s+/).filter(w => w !== '');
        const docs = this.documentStore.docs;
        const results = [];
        for (const ref of Object.keys(docs)) {
            const doc = docs[ref];
            const title = (doc.title || '').toLowerCase();
            const text = [title, doc.body || '', doc.breadcrumbs || ''].join(' ').toLowerCase();
            if (!words.every(w => text.includes(w))) {
                continue;
            }
            const score = words.reduce((s, w) => s + count(text, w) + 5 * count(title, w), 0);
            results.push({ref: ref, score: score, doc: doc});
        }
        results.sort((a, b) => b.score - a.score || Number(a.ref) - Number(b.ref));
        return results;
    };
}());
