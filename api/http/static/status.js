// The customs status page: rows follow the server-sent status feed (/ui/status/feed).
(function () {
  const body = document.querySelector("#status tbody");
  const label = {not_declared: "not declared", declared: "declared", lane_assigned: "lane assigned",
                 documents_requested: "documents requested", held: "held", released: "released"};
  function details(b) {
    const out = [];
    if (b.lane) out.push("lane: " + b.lane.lane);
    for (const r of b.documents_requested) out.push((r.answered ? "answered: " : "requested: ") + r.documents.join(", "));
    if (b.held && b.state === "held") out.push("reason: " + (b.held.reason_category || "not disclosed"));
    return out.join("; ");
  }
  function show(status) {
    const empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    for (const b of status.borders) {
      let row = body.querySelector(`tr[data-consignment="${status.consignment_id}"][data-border="${b.jurisdiction}"]`);
      if (!row) {
        row = document.createElement("tr");
        row.dataset.consignment = status.consignment_id;
        row.dataset.border = b.jurisdiction;
        for (const cls of ["ref", "border", "state", "details"]) {
          const cell = document.createElement("td");
          cell.className = cls;
          row.appendChild(cell);
        }
        row.children[0].textContent = status.consignment;
        row.children[1].textContent = b.jurisdiction;
        body.appendChild(row);
      }
      row.querySelector(".state").textContent = label[b.state] || b.state;
      row.querySelector(".state").dataset.state = b.state;
      row.querySelector(".details").textContent = details(b);
    }
  }
  const feed = new EventSource("/ui/status/feed");
  feed.addEventListener("status", (e) => show(JSON.parse(e.data)));
  feed.onopen = () => { document.getElementById("feed-state").textContent = "Live: following the ledger."; };
  feed.onerror = () => { document.getElementById("feed-state").textContent = "Reconnecting to the live feed…"; };
})();
