import Link from 'next/link';

/** "Not found" or "No access" in words, with the way back: used by not-found.tsx and by screens whose record is gone. */
export function NotFoundPanel({ title, children, back }: { title: string; children: React.ReactNode; back: { href: string; label: string } }) {
  return (
    <section className="card stack narrow" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{title}</h1>
      <p>{children}</p>
      <p>
        <Link href={back.href} className="btn btn-primary">
          {back.label}
        </Link>
      </p>
    </section>
  );
}
