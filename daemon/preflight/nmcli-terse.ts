/**
 * nmcli's terse output (`-t -e yes`): fields joined by `:`, with `:` inside a value written `\:`
 * and `\` written `\\`. A plain split(':') cuts an SSID like "Lab:2" in two and shifts every field
 * after it (node-wifi's parser does that; docs/site-radio.md).
 */
export function splitTerseLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      current += line[++i]!;
    } else if (c === ':') {
      fields.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  fields.push(current);
  return fields;
}
