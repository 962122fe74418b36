/* The io screens (filled in by the next commit). */
export default function setup() {}
