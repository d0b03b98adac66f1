// The template editor's SMS counter speaks plainly: texts, characters used of the room those
// texts have, and why the room shrinks when one character needs UCS-2 (app/engine/render's counts).
import { describe, expect, it } from "vitest";
import { smsCounterText } from "~/admin/preview";

describe("SMS counter", () => {
  it("counts GSM texts: 160 characters for one, 153 each when split", () => {
    expect(smsCounterText("a".repeat(95))).toBe("1 text · 95 of 160 characters");
    expect(smsCounterText("a".repeat(180))).toBe("2 texts · 180 of 306 characters");
    // Extension characters take two.
    expect(smsCounterText("Price: 10€")).toBe("1 text · 11 of 160 characters");
    expect(smsCounterText("")).toBe("No text yet");
  });

  it("says when emoji make each text shorter, and by how much", () => {
    expect(smsCounterText("Thanks! 😀")).toBe("1 text · 10 of 70 characters; emoji make each text shorter (70 characters instead of 160)");
    expect(smsCounterText("😀".repeat(40))).toBe("2 texts · 80 of 134 characters; emoji make each text shorter (67 characters instead of 153)");
  });

  it("names the special characters that do the same", () => {
    expect(smsCounterText("It’s great")).toBe(
      "1 text · 10 of 70 characters; special characters (’) make each text shorter (70 characters instead of 160)",
    );
    expect(smsCounterText("It’s “great” 👍")).toBe(
      "1 text · 15 of 70 characters; emoji and special characters (’ “ ”) make each text shorter (70 characters instead of 160)",
    );
  });
});
