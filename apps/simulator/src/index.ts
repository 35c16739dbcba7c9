/** The 46elks and OpenAI simulators arrive with the "Simulators" issue. */
export {};
