const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f3f4f6;color:#111827;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:min(26rem,calc(100vw - 2rem));background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06);padding:1.75rem}
h1{font-size:1.2rem;margin:0 0 .25rem}
p{margin:.25rem 0 1rem;color:#4b5563}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;border-radius:4px;padding:0 .25rem}
form{margin:0 0 .6rem}
button{width:100%;text-align:left;cursor:pointer;font:inherit;color:inherit;background:#fff;border:1px solid #d1d5db;border-radius:8px;padding:.7rem .9rem}
button:hover,button:focus{border-color:#2563eb;background:#eff6ff;outline:none}
.name{display:block;font-weight:600}
.email{display:block;color:#4b5563;font-size:.9em}
.id{font:.85em ui-monospace,SFMono-Regular,Menlo,monospace;color:#6b7280}
.badges{display:flex;flex-wrap:wrap;gap:.3rem;margin-top:.4rem}
.badge{font-size:.75em;background:#e0e7ff;color:#3730a3;border-radius:999px;padding:.05rem .55rem}
.badge.none{background:#f3f4f6;color:#6b7280}
.note{margin:1rem 0 0;font-size:.8em;color:#6b7280}
`

/** A small centred card; `body` must already be escaped HTML. */
export function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${head}
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`
}
