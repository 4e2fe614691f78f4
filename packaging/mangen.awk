# Turns one of Corral's Markdown pages into a man page (roff, man macros), so that the package's
# corral(1) and corral.unit(5) say what docs/ says. Usage:
#   awk -v name=corral -v section=1 -v title="manage services supervised by Corral" -v version=X -f packaging/mangen.awk docs/cli.md
# It knows what docs/ uses: headings, paragraphs, lists, fenced code, tables (a row becomes a tagged
# paragraph: its first cell the tag, the others the text), `code`, **bold**, [links](target).
function esc(s) {
  gsub(/\\/, "\\e", s)
  return s
}
function inline(s,    out, pre, body) {
  s = esc(s)
  gsub(/\\e\|/, "|", s)                       # "\|" in a table cell is a literal bar
  while (match(s, /\[[^]]*\]\([^)]*\)/)) {     # [text](target) -> text
    body = substr(s, RSTART + 1, RLENGTH - 1); sub(/\]\(.*$/, "", body)
    s = substr(s, 1, RSTART - 1) body substr(s, RSTART + RLENGTH)
  }
  out = ""
  while (match(s, /`[^`]*`/)) {                 # `code` -> bold
    out = out substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 1, RLENGTH - 2) "\\fR"
    s = substr(s, RSTART + RLENGTH)
  }
  s = out s
  out = ""
  while (match(s, /\*\*[^*]*\*\*/)) {
    out = out substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 2, RLENGTH - 4) "\\fR"
    s = substr(s, RSTART + RLENGTH)
  }
  s = out s
  if (s ~ /^[.']/) s = "\\&" s                 # a line starting with a dot is not a request
  return s
}
BEGIN {
  printf ".TH %s %s \"\" \"Corral %s\" \"Corral\"\n", toupper(name), section, version
  printf ".SH NAME\n%s \\- %s\n.SH DESCRIPTION\n", name, title
  code = 0
}
/^```/ { if (code) { print ".fi"; print ".RE"; code = 0 } else { print ".PP"; print ".RS 4"; print ".nf"; code = 1 }; next }
code { line = esc($0); if (line ~ /^[.']/) line = "\\&" line; print line; next }
/^# / { next }                                   # the page's title is the NAME line
/^## / { sub(/^## /, ""); print ".SH " toupper(inline($0)); next }
/^### / { sub(/^### /, ""); print ".SS " inline($0); next }
/^\|[ -]*-[-| :]*\|$/ { next }                   # a table's separator row
/^\|/ {
  row = $0
  gsub(/\\\|/, "\001", row)                      # escaped bars stay inside their cell
  n = split(row, cells, "|")
  print ".TP"
  tag = cells[2]; gsub(/\001/, "\\|", tag); gsub(/^ +| +$/, "", tag)
  print inline(tag)
  text = ""
  for (i = 3; i < n; i++) { c = cells[i]; gsub(/\001/, "\\|", c); gsub(/^ +| +$/, "", c); if (c != "" && c != "—") text = text (text == "" ? "" : " \\(em ") inline(c) }
  print text
  next
}
/^ *[-*] / { sub(/^ *[-*] /, ""); print ".IP \\(bu 2"; print inline($0); next }
/^ *[0-9]+\. / { print ".IP \"" $1 "\" 4"; sub(/^ *[0-9]+\. /, ""); print inline($0); next }
/^[ \t]*$/ { print ".PP"; next }
{ sub(/^ +/, ""); print inline($0) }
END { printf ".SH SEE ALSO\n.BR corral (1),\n.BR corral.unit (5),\n.BR systemctl (1),\n.BR systemd.unit (5)\n" }
